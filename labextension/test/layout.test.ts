// The layout algorithms the worker runs: every node placed, layers downwards, no overlaps, fixed nodes kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dagreLayout, elkLayout, LayoutInput } from '../src/graph/layout-algorithms';
import { cacheKey, quickLayout } from '../src/graph/layout';

function chain(n: number): LayoutInput {
  const nodes = Array.from({ length: n }, (_, i) => ({ id: `n${i}`, width: 80, height: 40 }));
  const edges = Array.from({ length: n - 1 }, (_, i) => ({ id: `e${i}`, source: `n${i}`, target: `n${i + 1}` }));
  return { algorithm: 'elk', nodes, edges };
}

test('ELK layered places every node, each edge pointing down', async () => {
  const input = chain(6);
  input.nodes.push({ id: 'w', width: 10, height: 10 }, { id: 'c1', width: 80, height: 40, parent: 'w' }, { id: 'c2', width: 80, height: 40, parent: 'w' });
  input.edges.push({ id: 'ec', source: 'c1', target: 'c2' }, { id: 'ex', source: 'n5', target: 'c1' });
  const p = await elkLayout(input);
  for (const n of ['n0', 'n1', 'n2', 'n3', 'n4', 'n5', 'c1', 'c2']) assert.ok(p[n], `${n} placed`);
  assert.ok(!p.w, 'a compound node gets its place from its children');
  for (let i = 0; i < 5; i++) assert.ok(p[`n${i + 1}`].y > p[`n${i}`].y);
  assert.ok(p.c2.y > p.c1.y);
});

test('dagre keeps the fixed nodes where they are and moves the new part next to them', () => {
  const input: LayoutInput = { ...chain(4), algorithm: 'dagre', fixed: { n0: { x: 1000, y: 500 } } };
  const p = dagreLayout(input);
  assert.deepEqual(p.n0, { x: 1000, y: 500 });
  assert.ok(p.n1.y > 500 && Math.abs(p.n1.x - 1000) < 200);
  const ys = Object.values(p).map((q) => q.y);
  assert.equal(new Set(ys).size, 4, 'no two nodes of a chain on one layer');
});

test('the cache key names the subgraph, not the order it was listed in', () => {
  const a = chain(5);
  const b = { ...a, nodes: [...a.nodes].reverse(), edges: [...a.edges].reverse() };
  assert.equal(cacheKey(a), cacheKey(b));
  assert.notEqual(cacheKey(a), cacheKey(chain(6)));
});

test('the quick first layout puts each node below its inputs, one layer per longest path', () => {
  const input = chain(4);
  input.nodes.push({ id: 'x', width: 80, height: 40 });
  input.edges.push({ id: 'ex', source: 'n0', target: 'x' }, { id: 'ey', source: 'x', target: 'n3' });
  const p = quickLayout(input);
  assert.ok(p.n1.y > p.n0.y && p.n2.y > p.n1.y && p.n3.y > p.n2.y && p.x.y > p.n0.y);
  assert.equal(p.n1.y, p.x.y, 'n1 and x are both one link from n0');
  assert.notEqual(p.n1.x, p.x.x);
  const cyclic = quickLayout({ algorithm: 'elk', nodes: [{ id: 'a', width: 1, height: 1 }, { id: 'b', width: 1, height: 1 }],
    edges: [{ id: '1', source: 'a', target: 'b' }, { id: '2', source: 'b', target: 'a' }] });
  assert.ok(cyclic.a && cyclic.b, 'nodes on a cycle are placed too');
});
