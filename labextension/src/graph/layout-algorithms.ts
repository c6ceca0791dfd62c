// Layout algorithms, pure functions run inside the layout Web Worker (layout-worker.ts) and by the JS
// unit tests: ELK layered (hierarchical: open workflows are compound nodes) for a whole view, dagre
// tight-tree for small incremental expansions, moved so the nodes already shown keep their places.

import ELK from 'elkjs/lib/elk.bundled.js';
import * as dagre from '@dagrejs/dagre';

export interface LayoutNode { id: string; width: number; height: number; parent?: string }
export interface LayoutEdge { id: string; source: string; target: string }
export interface LayoutInput {
  algorithm: 'elk' | 'dagre';
  nodes: LayoutNode[];
  edges: LayoutEdge[];
  fixed?: Record<string, { x: number; y: number }>; // dagre: new nodes placed around these, which stay
}
export type Positions = Record<string, { x: number; y: number }>;

function leafSet(input: LayoutInput): Set<string> {
  const parents = new Set(input.nodes.map((n) => n.parent).filter((p): p is string => !!p));
  return new Set(input.nodes.filter((n) => !parents.has(n.id)).map((n) => n.id));
}

export async function elkLayout(input: LayoutInput): Promise<Positions> {
  const elk = new ELK();
  const children = new Map<string | undefined, any[]>();
  const ids = new Set(input.nodes.map((n) => n.id));
  const items = new Map<string, any>();
  for (const n of input.nodes) {
    const item = { id: n.id, width: n.width, height: n.height, children: [] as any[],
      layoutOptions: { 'elk.padding': '[top=28,left=12,bottom=12,right=12]' } };
    items.set(n.id, item);
  }
  for (const n of input.nodes) {
    const parent = n.parent && ids.has(n.parent) ? n.parent : undefined;
    const list = children.get(parent) ?? [];
    list.push(items.get(n.id));
    children.set(parent, list);
  }
  for (const [parent, list] of children) if (parent) items.get(parent).children = list;
  const graph = {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered', 'elk.direction': 'DOWN', 'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
      'elk.layered.spacing.nodeNodeBetweenLayers': '40', 'elk.spacing.nodeNode': '24',
      'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
    },
    children: children.get(undefined) ?? [],
    edges: input.edges.filter((e) => ids.has(e.source) && ids.has(e.target))
      .map((e) => ({ id: e.id, sources: [e.source], targets: [e.target] })),
  };
  const result: any = await elk.layout(graph as any);
  const leaves = leafSet(input);
  const out: Positions = {};
  const walk = (node: any, dx: number, dy: number) => {
    for (const child of node.children ?? []) {
      const x = dx + (child.x ?? 0);
      const y = dy + (child.y ?? 0);
      if (leaves.has(child.id)) out[child.id] = { x: x + child.width / 2, y: y + child.height / 2 };
      walk(child, x, y);
    }
  };
  walk(result, 0, 0);
  return out;
}

export function dagreLayout(input: LayoutInput): Positions {
  const g = new dagre.graphlib.Graph({ compound: true, multigraph: true });
  g.setGraph({ rankdir: 'TB', ranker: 'tight-tree', nodesep: 24, ranksep: 40 });
  g.setDefaultEdgeLabel(() => ({}));
  const ids = new Set(input.nodes.map((n) => n.id));
  for (const n of input.nodes) g.setNode(n.id, { width: n.width, height: n.height });
  for (const n of input.nodes) if (n.parent && ids.has(n.parent)) g.setParent(n.id, n.parent);
  const leaves = leafSet(input);
  for (const e of input.edges) {
    if (ids.has(e.source) && ids.has(e.target) && leaves.has(e.source) && leaves.has(e.target)) g.setEdge(e.source, e.target, {}, e.id);
  }
  dagre.layout(g);
  const out: Positions = {};
  for (const id of leaves) {
    const n = g.node(id) as any;
    if (n) out[id] = { x: n.x, y: n.y };
  }
  const fixed = input.fixed ?? {};
  const anchors = Object.keys(fixed).filter((id) => out[id]);
  if (anchors.length) {
    // move the new part so its anchors sit where they are on screen; the anchors keep their places
    let dx = 0;
    let dy = 0;
    for (const id of anchors) { dx += fixed[id].x - out[id].x; dy += fixed[id].y - out[id].y; }
    dx /= anchors.length;
    dy /= anchors.length;
    for (const id of Object.keys(out)) out[id] = fixed[id] ?? { x: out[id].x + dx, y: out[id].y + dy };
  }
  return out;
}

export async function layoutGraph(input: LayoutInput): Promise<Positions> {
  return input.algorithm === 'elk' ? elkLayout(input) : dagreLayout(input);
}

