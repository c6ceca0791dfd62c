// The decoder of the binary columnar chunks, and the store's versions (snapshot, deltas, gaps).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { decodeChunk, ChunkHeader } from '../src/graph/columnar';
import { GraphStore } from '../src/graph/store';
import { encodeChunk, link, node } from './encode';

test('a chunk decodes to the records it was encoded from, unicode and uuids included', () => {
  const nodes = [node(1, 'data', { label: 'héllo ✓', inDegree: 1 }), node(70000, 'workflow', { state: 'running', exitStatus: null, caller: 5, outDegree: 3 }),
    node(3, 'calculation', { state: 'excepted', exitStatus: 300 })];
  const links = [link(1, 70000, 'input_work', 'x'), link(70000, 3, 'call_calc', 'CALL')];
  const { header, buffers } = encodeChunk(nodes, links);
  const chunk = decodeChunk(header, buffers);
  assert.deepEqual(chunk.nodes, nodes);
  assert.deepEqual(chunk.links, links);
});

test('columns at unaligned offsets (DataViews into one message buffer) decode the same', () => {
  const nodes = [node(11, 'data'), node(12, 'cell')];
  const { header, buffers } = encodeChunk(nodes, [link(11, 12, 'input_calc', 'a')]);
  const shifted = buffers.map((b) => {
    const big = new Uint8Array(b.byteLength + 3);
    big.set(new Uint8Array(b), 3);
    return new DataView(big.buffer, 3, b.byteLength);
  });
  assert.deepEqual(decodeChunk(header, shifted).nodes, nodes);
});

test('a chunk whose columns disagree in length is refused with the column named', () => {
  const { header, buffers } = encodeChunk([node(1, 'data'), node(2, 'data')], []);
  buffers[1] = new Uint8Array([0]).buffer; // nodes.kind: one row instead of two
  assert.throws(() => decodeChunk(header, buffers), /nodes\.kind has 1 rows/);
  assert.throws(() => decodeChunk(header, buffers.slice(1)), /buffers, expected/);
});

test('chunks that views/graph.py encoded decode to what it wrote (JPROV_CHUNK_FIXTURE from pytest)', (t) => {
  const path = process.env.JPROV_CHUNK_FIXTURE;
  if (!path) { t.skip('run from tests/widgets/test_frontend_units.py'); return; }
  const fixture = JSON.parse(readFileSync(path, 'utf8'));
  for (const message of fixture.messages) {
    const buffers = message.buffers.map((b64: string) => new Uint8Array(Buffer.from(b64, 'base64')).buffer);
    const chunk = decodeChunk(message.content as ChunkHeader, buffers);
    assert.deepEqual(chunk.nodes.map((n) => ({ ...n })), message.expected.nodes);
    assert.deepEqual(chunk.links, message.expected.links);
  }
});

test('the store applies a snapshot, then deltas in order; a gap asks for a resync; stale parts are ignored', () => {
  const store = new GraphStore();
  const snap = encodeChunk([node(1, 'data')], [], { kind: 'snapshot', version: 0 });
  assert.equal(store.apply(decodeChunk(snap.header, snap.buffers)), 'applied');
  const d1a = encodeChunk([node(2, 'calculation')], [], { kind: 'delta', version: 1, part: 0, parts: 2 });
  const d1b = encodeChunk([], [link(1, 2, 'input_calc', 'x')], { kind: 'delta', version: 1, part: 1, parts: 2 });
  assert.equal(store.apply(decodeChunk(d1b.header, d1b.buffers)), 'pending');
  assert.equal(store.nodes.size, 1, 'a version applies only whole');
  assert.equal(store.apply(decodeChunk(d1a.header, d1a.buffers)), 'applied');
  assert.equal(store.nodes.size, 2);
  assert.equal(store.links.size, 1);
  assert.equal(store.apply(decodeChunk(d1a.header, d1a.buffers)), 'stale');
  const d3 = encodeChunk([node(4, 'data')], [], { kind: 'delta', version: 3 });
  assert.equal(store.apply(decodeChunk(d3.header, d3.buffers)), 'gap');
  assert.equal(store.version, 1);
  const resync = encodeChunk([node(1, 'data'), node(4, 'data')], [], { kind: 'snapshot', version: 3 });
  assert.equal(store.apply(decodeChunk(resync.header, resync.buffers)), 'applied');
  assert.deepEqual([...store.nodes.keys()].sort(), [1, 4]);
  assert.equal(store.version, 3);
});

test('a delta carrying a node again updates it (a process state that changed)', () => {
  const store = new GraphStore();
  const snap = encodeChunk([node(5, 'calculation', { state: 'running', exitStatus: null })], [], { version: 0 });
  store.apply(decodeChunk(snap.header, snap.buffers));
  const d = encodeChunk([node(5, 'calculation', { state: 'finished', exitStatus: 0 })], [], { kind: 'delta', version: 1 });
  store.apply(decodeChunk(d.header, d.buffers));
  assert.equal(store.nodes.get(5)!.state, 'finished');
});
