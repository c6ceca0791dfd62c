// The process monitor's table: full tables and numbered updates, gaps, stale updates, order and collapse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProcessRow, RowsMessage, RowTable } from '../src/widgets/lib/rows';

function row(pk: number, depth = 0, caller: number | null = null, state = 'running', children = 0): ProcessRow {
  return { pk, caller, depth, label: `p${pk}`, class: 'WorkChainNode', kind: 'workflow', state, state_text: state,
    exit_status: null, exit_message: null, paused: false, request: null, ctime: null, children };
}
function message(version: number, rows: ProcessRow[], extra: Partial<RowsMessage> = {}): RowsMessage {
  return { type: 'rows', full: false, version, rows, removed: [], truncated: false, ...extra };
}

test('a full table replaces what is held; updates apply in order and say what changed', () => {
  const table = new RowTable();
  assert.equal(table.apply(message(3, [row(1, 0, null, 'running', 1), row(2, 1, 1)], { full: true, order: [1, 2] })), 'applied');
  assert.deepEqual(table.visible().map((r) => r.pk), [1, 2]);
  assert.equal(table.changed.size, 0, 'a full table highlights nothing');
  assert.equal(table.apply(message(4, [row(2, 1, 1, 'finished')])), 'applied');
  assert.equal(table.rows.get(2)!.state, 'finished');
  assert.deepEqual([...table.changed], [2]);
  assert.deepEqual(table.order, [1, 2], 'no order in the update: the order stays');
  assert.deepEqual(table.counts(), { running: 1, finished: 1 });
});

test('an update at or below the version is stale; one beyond the next is a gap (ask for the table again)', () => {
  const table = new RowTable();
  assert.equal(table.apply(message(1, [row(1)])), 'gap', 'nothing held yet');
  table.apply(message(5, [row(1)], { full: true, order: [1] }));
  assert.equal(table.apply(message(5, [row(1, 0, null, 'killed')])), 'stale');
  assert.equal(table.apply(message(7, [row(1, 0, null, 'killed')])), 'gap');
  assert.equal(table.rows.get(1)!.state, 'running', 'neither changed anything');
});

test('new children go where the order says; removed rows go; a collapsed row hides its subtree', () => {
  const table = new RowTable();
  table.apply(message(0, [row(1, 0, null, 'running', 1), row(2, 1, 1), row(9)], { full: true, order: [1, 2, 9] }));
  table.apply(message(1, [row(1, 0, null, 'waiting', 2), row(3, 1, 1, 'created', 1), row(4, 2, 3)], { order: [1, 2, 3, 4, 9] }));
  assert.deepEqual(table.visible().map((r) => r.pk), [1, 2, 3, 4, 9]);
  table.toggle(3);
  assert.deepEqual(table.visible().map((r) => r.pk), [1, 2, 3, 9]);
  table.toggle(1);
  assert.deepEqual(table.visible().map((r) => r.pk), [1, 9]);
  table.toggle(1);
  table.toggle(3);
  table.apply(message(2, [], { removed: [2] }));
  assert.deepEqual(table.visible().map((r) => r.pk), [1, 3, 4, 9]);
});

test('a paused process that has not ended counts as paused', () => {
  const table = new RowTable();
  table.apply(message(0, [{ ...row(1, 0, null, 'waiting'), paused: true }, { ...row(2, 0, null, 'killed'), paused: true }],
    { full: true, order: [1, 2] }));
  assert.deepEqual(table.counts(), { paused: 1, killed: 1 });
});
