// The aggregation rules: collapsed workflows, sibling clusters, stubs, focus.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aggregate, AggregateOptions } from '../src/graph/aggregate';
import { parseQuery } from '../src/graph/search';
import { NodeRecord } from '../src/graph/columnar';
import { link, node } from './encode';

const options = (extra: Partial<AggregateOptions> = {}): AggregateOptions =>
  ({ openWorkflows: new Set(), openClusters: new Set(), clusterThreshold: 10, ...extra });
const map = (nodes: NodeRecord[]) => new Map(nodes.map((n) => [n.pk, n]));

// a work chain 10 with input 1, steps 11 and 12 (12 called by 11's sibling chain 13), an inner datum 20
// made by 11 and used by 12, the result 21 made by 12 and returned by 10, and 30 using the result
function workflowGraph() {
  const nodes = map([
    node(1, 'data', { outDegree: 2 }), node(10, 'workflow', { inDegree: 1, outDegree: 3 }),
    node(13, 'workflow', { caller: 10, inDegree: 1, outDegree: 1 }),
    node(11, 'calculation', { caller: 10, inDegree: 2, outDegree: 1 }), node(12, 'calculation', { caller: 13, inDegree: 2, outDegree: 1 }),
    node(20, 'data', { inDegree: 1, outDegree: 1 }), node(21, 'data', { inDegree: 2, outDegree: 1 }),
    node(30, 'calculation', { inDegree: 1 }),
  ]);
  const links = [link(1, 10, 'input_work', 'x'), link(10, 11, 'call_calc', 's1'), link(10, 13, 'call_work', 'sub'),
    link(13, 12, 'call_calc', 's2'), link(1, 11, 'input_calc', 'x'), link(11, 20, 'create', 'r'),
    link(20, 12, 'input_calc', 'y'), link(12, 21, 'create', 'r'), link(10, 21, 'return', 'result'), link(21, 30, 'input_calc', 'z')];
  return { nodes, links };
}

test('a collapsed workflow hides what it called and the data only its steps saw; its returns stay', () => {
  const { nodes, links } = workflowGraph();
  const g = aggregate(nodes, links, options());
  assert.deepEqual(g.nodes.map((n) => n.id).sort(), ['n1', 'n10', 'n21', 'n30']);
  const w = g.nodes.find((n) => n.id === 'n10')!;
  assert.equal(w.hiddenSteps, 3);
  const edges = g.edges.map((e) => `${e.source}-${e.linkType}-${e.target}`).sort();
  // the step's create link of the result is drawn from the workflow that hides the step
  assert.deepEqual(edges, ['n1-input_calc-n10', 'n1-input_work-n10', 'n10-create-n21', 'n10-return-n21', 'n21-input_calc-n30']);
});

test('an opened workflow is a compound node holding its steps; a sub-workflow inside stays collapsed', () => {
  const { nodes, links } = workflowGraph();
  const g = aggregate(nodes, links, options({ openWorkflows: new Set([10]) }));
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  assert.equal(byId.get('n11')!.parent, 'n10');
  assert.equal(byId.get('n13')!.parent, 'n10');
  assert.ok(!byId.has('n12'), 'step 12 is inside the collapsed sub-workflow 13');
  assert.equal(byId.get('n13')!.hiddenSteps, 1);
  assert.ok(byId.has('n20'), 'the datum 11 made and the sub-workflow used shows once 10 is open');
  assert.ok(!g.edges.some((e) => e.linkType === 'call_calc' && e.source === 'n10'), 'nesting replaces call edges');
  const all = aggregate(nodes, links, options({ openWorkflows: new Set([10, 13]) }));
  assert.equal(new Map(all.nodes.map((n) => [n.id, n])).get('n12')!.parent, 'n13');
});

test('ten or more leaf siblings of one type become one "× N" cluster, which opens in place', () => {
  const nodes: NodeRecord[] = [node(1, 'calculation', { outDegree: 12 })];
  const links = [];
  for (let i = 0; i < 12; i++) { nodes.push(node(100 + i, 'data', { inDegree: 1 })); links.push(link(1, 100 + i, 'create', `out${i}`)); }
  nodes.push(node(200, 'data', { nodeType: 'data.float', inDegree: 1 }));
  links.push(link(1, 200, 'create', 'other'));
  const g = aggregate(map(nodes), links, options());
  const cluster = g.nodes.find((n) => n.kind === 'cluster')!;
  assert.equal(cluster.label, '× 12 Int');
  assert.equal(cluster.members!.length, 12);
  assert.equal(g.nodes.length, 3, 'the calculation, the cluster, the lone Float');
  assert.equal(g.edges.find((e) => e.target === cluster.id)!.count, 12);
  const open = aggregate(map(nodes), links, options({ openClusters: new Set([cluster.clusterKey!]) }));
  assert.equal(open.nodes.length, 14);
  const below = aggregate(map(nodes), links, options({ clusterThreshold: 13 }));
  assert.equal(below.nodes.length, 14, 'fewer than the threshold: no cluster');
});

test('siblings linked to anything else, or kept (selected, roots), are not clustered', () => {
  const nodes: NodeRecord[] = [node(1, 'calculation'), node(2, 'calculation', { inDegree: 1 })];
  const links = [];
  for (let i = 0; i < 10; i++) { nodes.push(node(100 + i, 'data', { inDegree: 1 })); links.push(link(1, 100 + i, 'create', `o${i}`)); }
  links.push(link(100, 2, 'input_calc', 'x'));
  assert.ok(!aggregate(map(nodes), links, options()).nodes.some((n) => n.kind === 'cluster'), '9 leaves left: below 10');
  const nine = aggregate(map(nodes), links, options({ clusterThreshold: 9 }));
  assert.equal(nine.nodes.find((n) => n.kind === 'cluster')!.members!.length, 9);
  const kept = aggregate(map(nodes), links, options({ clusterThreshold: 9, keep: new Set([101]) }));
  assert.ok(!kept.nodes.some((n) => n.kind === 'cluster'));
});

test('stubs count the links a node has that are not loaded', () => {
  const g = aggregate(map([node(1, 'data', { inDegree: 1, outDegree: 40 }), node(2, 'calculation', { inDegree: 1 })]),
    [link(1, 2, 'input_calc', 'x')], options());
  const one = g.nodes.find((n) => n.id === 'n1')!;
  assert.equal(one.stubIn, 1);
  assert.equal(one.stubOut, 39);
});

test('focus keeps what is within the radius of the focus node', () => {
  const nodes = map([1, 2, 3, 4, 5].map((pk) => node(pk, pk % 2 ? 'data' : 'calculation')));
  const links = [link(1, 2, 'input_calc', 'a'), link(2, 3, 'create', 'b'), link(3, 4, 'input_calc', 'c'), link(4, 5, 'create', 'd')];
  const g = aggregate(nodes, links, options({ focus: 1, radius: 2 }));
  assert.deepEqual(g.nodes.map((n) => n.pk).sort(), [1, 2, 3]);
});

test('search matches label words, type:, pk:, uuid: prefixes, state: and time ranges', () => {
  const a = node(7, 'data', { label: 'silicon', ctime: Date.parse('2026-02-01') / 1000 });
  const b = node(8, 'calculation', { label: 'relax', state: 'running' });
  assert.ok(parseQuery('sili')!(a));
  assert.ok(!parseQuery('sili')!(b));
  assert.ok(parseQuery('type:int')!(a));
  assert.ok(parseQuery('pk:8')!(b));
  assert.ok(parseQuery(`uuid:${a.uuid.slice(0, 6)}`)!(a));
  assert.ok(parseQuery('state:running')!(b));
  assert.ok(parseQuery('after:2026-01-01')!(a) && !parseQuery('before:2026-01-01')!(a));
  assert.ok(parseQuery('type:int sili')!(a) && !parseQuery('type:int relax')!(a));
  assert.equal(parseQuery('   '), null);
});

test('links not loaded (stubs) do not keep siblings out of a cluster', () => {
  const nodes: NodeRecord[] = [node(1, 'data', { outDegree: 12 })];
  const links = [];
  for (let i = 0; i < 12; i++) {
    nodes.push(node(100 + i, 'calculation', { inDegree: 2, outDegree: 1 })); // another input and a result not loaded
    links.push(link(1, 100 + i, 'input_calc', 'x'));
  }
  const g = aggregate(map(nodes), links, options());
  assert.equal(g.nodes.find((n) => n.kind === 'cluster')!.label, '× 12 CalcFunction');
});

test('parentsFirst puts every compound parent before its children, nested ones too, keeping the rest in order', async () => {
  const { parentsFirst } = await import('../src/graph/aggregate');
  const nodes = [{ id: 'a', parent: 'w2' }, { id: 'x' }, { id: 'w2', parent: 'w1' }, { id: 'w1' }, { id: 'b', parent: 'w1' }];
  const ids = parentsFirst(nodes).map((n) => n.id);
  assert.deepEqual(ids, ['w1', 'w2', 'a', 'x', 'b']);
  assert.deepEqual(parentsFirst([{ id: 'c', parent: 'c' }]).map((n) => n.id), ['c'], 'a cycle does not loop');
});
