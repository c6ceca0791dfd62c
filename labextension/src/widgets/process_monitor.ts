// The anywidget front end of ProcessMonitor: a live table of process trees with pause/play/kill,
// the log of the selected process and its provenance graph (the shared graph component).
// Protocol: docs/reference/widget-protocol.md, "Process monitor". The table is pulled when the view
// renders and again on a version gap; the kernel pushes only the rows that changed (≤ 4 times a second).

import { Model, h } from './lib/model';
import { RowsMessage, RowTable, ProcessRow, TERMINAL } from './lib/rows';
import { EmbeddedGraph } from './lib/embedded';
import workerSource from '../../build/layout-worker.js';

const CSS = `
.jprov-monitor { font-family: var(--jp-ui-font-family, Helvetica, Arial, sans-serif); font-size: 12px; border: 1px solid #d5d8dc; border-radius: 4px; }
.jprov-monitor-bar { display: flex; gap: 8px; align-items: center; padding: 4px 6px; background: #f8f9f9; border-bottom: 1px solid #d5d8dc; }
.jprov-monitor-status { color: #1b4f72; margin-left: auto; }
.jprov-monitor-table { width: 100%; border-collapse: collapse; }
.jprov-monitor-table th { text-align: left; font-weight: 600; border-bottom: 1px solid #d5d8dc; padding: 2px 6px; position: sticky; top: 0; background: #fff; }
.jprov-monitor-table td { padding: 2px 6px; border-bottom: 1px solid #f2f3f4; white-space: nowrap; }
.jprov-monitor-table tr.jprov-selected td { background: #fcf3cf; }
.jprov-monitor-table tr.jprov-changed td { animation: jprov-flash 1s ease-out; }
@keyframes jprov-flash { from { background: #d6eaf8; } to { background: transparent; } }
.jprov-monitor-scroll { overflow: auto; }
.jprov-state { font-weight: 600; }
.jprov-state-running { color: #2471a3; } .jprov-state-waiting { color: #b9770e; } .jprov-state-created { color: #7f8c8d; }
.jprov-state-finished { color: #1e8449; } .jprov-state-excepted { color: #c0392b; } .jprov-state-killed { color: #7f8c8d; }
.jprov-toggle { cursor: pointer; display: inline-block; width: 1em; color: #566573; }
.jprov-process-label { cursor: pointer; color: #1b4f72; }
.jprov-row-actions button { font-size: 10px; padding: 0 4px; margin-right: 2px; cursor: pointer; }
.jprov-monitor-detail { display: flex; border-top: 1px solid #d5d8dc; }
.jprov-monitor-graph { flex: 1 1 auto; min-width: 0; }
.jprov-report { flex: 0 0 320px; max-height: 460px; overflow: auto; margin: 0; padding: 6px; font-size: 11px; background: #fbfcfc; border-left: 1px solid #d5d8dc; white-space: pre-wrap; }
`;

function formatTime(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  return isNaN(d.getTime()) ? iso : d.toISOString().replace('T', ' ').slice(0, 19);
}

function render({ model, el }: { model: Model; el: HTMLElement }) {
  if (!document.getElementById('jprov-monitor-style')) document.head.appendChild(h('style', { id: 'jprov-monitor-style' }, CSS));
  const table = new RowTable();
  let selection: number | null = model.get('selection') ?? null;
  const status = h('span', { class: 'jprov-monitor-status' }, '');
  const summary = h('span', { class: 'jprov-monitor-summary' }, 'loading…');
  const mode = h('span', { class: 'jprov-monitor-mode' }, '');
  const body = h('tbody');
  const head = h('thead', {}, h('tr', {}, ...['Process', 'State', 'Exit', 'Created', 'Children', ''].map((t) => h('th', {}, t))));
  const scroll = h('div', { class: 'jprov-monitor-scroll' }, h('table', { class: 'jprov-monitor-table' }, head, body));
  scroll.style.maxHeight = `${Math.max(160, (model.get('height') ?? 560) - 200)}px`;
  const report = h('pre', { class: 'jprov-report', hidden: true });
  const graphHost = h('div', { class: 'jprov-monitor-graph' });
  const detail = h('div', { class: 'jprov-monitor-detail', hidden: true }, graphHost, report);
  const root = h('div', { class: 'jprov-monitor' }, h('div', { class: 'jprov-monitor-bar' }, summary, mode, status), scroll, detail);
  el.appendChild(root);
  (el as any).jprovMonitor = table; // for tests and the browser console
  const graph = new EmbeddedGraph(graphHost, model, workerSource, 380);

  const showMode = () => {
    const m = model.get('mode');
    mode.textContent = m === 'push' ? '● live (daemon events)' : m === 'poll' ? '○ polling every 2 s' : `(${m})`;
  };
  showMode();
  model.on('change:mode', showMode);

  const act = (action: string, pk: number) => {
    status.textContent = `#${pk}: ${action} asked…`;
    model.send({ type: 'control', action, pk });
  };
  const select = (pk: number) => {
    selection = pk;
    model.set('selection', pk);
    model.save_changes();
    detail.hidden = false;
    report.hidden = false;
    report.textContent = 'loading the log…';
    model.send({ type: 'report', pk });
    model.send({ type: 'graph_open', pk });
    draw();
  };

  const line = (row: ProcessRow) => {
    const active = !TERMINAL.has(row.state ?? '');
    const toggle = h('span', { class: 'jprov-toggle', onclick: () => { table.toggle(row.pk); draw(); } },
      row.children ? (table.collapsed.has(row.pk) ? '▸' : '▾') : '');
    const label = h('span', { class: 'jprov-process-label', title: 'show its provenance graph and log', onclick: () => select(row.pk) },
      `#${row.pk} ${row.label}`);
    const name = h('td', {}, toggle, label);
    name.style.paddingLeft = `${6 + row.depth * 16}px`;
    const actions = h('td', { class: 'jprov-row-actions' });
    if (active) {
      if (row.paused) actions.append(h('button', { type: 'button', class: 'jprov-play', title: 'resume', onclick: () => act('play', row.pk) }, '▶ play'));
      else actions.append(h('button', { type: 'button', class: 'jprov-pause', title: 'pause at the next step', onclick: () => act('pause', row.pk) }, '⏸ pause'));
      actions.append(h('button', { type: 'button', class: 'jprov-kill', title: 'kill it and what it called', onclick: () => act('kill', row.pk) }, '✕ kill'));
    }
    const exit = row.exit_status === null ? '' : String(row.exit_status);
    const tr = h('tr', { dataset: { pk: String(row.pk), state: row.state ?? '' },
        class: [row.pk === selection ? 'jprov-selected' : '', table.changed.has(row.pk) ? 'jprov-changed' : ''].join(' ').trim() },
      name,
      h('td', { class: `jprov-state jprov-state-${row.state}`, title: row.exit_message ?? '' }, row.state_text ?? row.state ?? '?'),
      h('td', {}, exit), h('td', {}, formatTime(row.ctime)), h('td', {}, row.children ? String(row.children) : ''), actions);
    return tr;
  };

  function draw() {
    body.replaceChildren(...table.visible().map(line));
    const counts = Object.entries(table.counts()).map(([s, n]) => `${n} ${s}`).join(', ');
    summary.textContent = `${table.rows.size} process(es)${counts ? `: ${counts}` : ''}${table.truncated ? ' (more not shown)' : ''}`;
    root.dataset.version = String(table.version);
    root.dataset.drawnAt = String(Date.now());
  }

  const onMessage = (content: any, buffers: DataView[]) => {
    if (!content || typeof content !== 'object') return;
    if (graph.handle(content, buffers)) return;
    switch (content.type) {
      case 'rows': {
        const result = table.apply(content as RowsMessage);
        if (result === 'gap') model.send({ type: 'rows', reason: 'gap' });
        else if (result === 'applied') {
          draw();
          // the selected process changed: its log and the states in its graph follow
          if (selection !== null && table.changed.has(selection)) {
            model.send({ type: 'report', pk: selection });
            if (graph.client) model.send({ type: 'graph', graph: graph.graphId, request: { type: 'refresh' } });
          }
        }
        break;
      }
      case 'control': {
        const said = Object.entries(content.result ?? {}).map(([pk, text]) => `#${pk}: ${text}`).join('; ');
        status.textContent = `${content.action}: ${said}`;
        break;
      }
      case 'report': {
        if (content.pk !== selection) break;
        const lines = (content.lines ?? []).map((l: any) =>
          `${'  '.repeat(l.depth)}${(l.time ?? '').slice(11, 19)} ${l.level} [${l.pk} ${l.process_label}] ${l.message}`);
        report.textContent = lines.length ? lines.join('\n') + (content.truncated ? `\n… ${content.total - lines.length} more` : '')
          : `#${content.pk} logged nothing`;
        break;
      }
      case 'error':
        status.textContent = String(content.message);
        break;
    }
  };
  model.on('msg:custom', onMessage);
  model.send({ type: 'rows', reason: 'render' });
  return () => {
    model.off('msg:custom', onMessage);
    model.off('change:mode', showMode);
    graph.destroy();
    root.remove();
  };
}

export default { render };
