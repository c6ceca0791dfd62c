// Aggregation: what the view shows of the loaded graph.
//
// - A workflow not opened collapses everything it called (recursively) into itself; data its steps
//   created stay hidden unless they leave it (returned, or used by a process outside it). Opened, it is
//   a compound node holding its steps.
// - >= threshold leaf neighbours of one node, same direction, link type and node type, collapse into one
//   "× N Int" cluster (a leaf: linked to nothing else shown; links not loaded do not count). Clusters expand in place by key.
// - Focus: only what is within `radius` links of the focus node (on the aggregated graph).
// Edges are re-routed to the shown representatives, self-loops dropped, parallel edges of one type merged.

import { Kind, LinkRecord, NodeRecord } from './columnar';

export interface AggregateOptions {
  openWorkflows: ReadonlySet<number>;
  openClusters: ReadonlySet<string>;
  clusterThreshold: number;
  keep?: ReadonlySet<number>; // never clustered away (roots, selection, focus)
  focus?: number | null;
  radius?: number;
}

export interface VisNode {
  id: string;
  kind: Kind | 'cluster';
  label: string;
  pk?: number;
  record?: NodeRecord;
  parent?: string;
  members?: number[];
  clusterKey?: string;
  hiddenSteps: number; // processes collapsed into this workflow
  stubIn: number; // links in that are not loaded
  stubOut: number;
}

export interface VisEdge {
  id: string;
  source: string;
  target: string;
  linkType: string;
  label: string;
  count: number;
}

export interface VisGraph {
  nodes: VisNode[];
  edges: VisEdge[];
}

const CLASS_NAMES: Record<string, string> = {
  'data.int': 'Int', 'data.float': 'Float', 'data.str': 'Str', 'data.bool': 'Bool', 'data.dict': 'Dict',
  'data.list': 'List', 'data.array': 'Array', 'data.file': 'File', 'data.folder': 'Folder',
  'data.remote_folder': 'RemoteFolder', 'data.reference': 'Reference', 'data.code': 'Code', 'data.table': 'Table',
  'process.calculation.calcfunction': 'CalcFunction', 'process.calculation.calcjob': 'CalcJob',
  'process.cell': 'CellExecution', 'process.workflow.workfunction': 'WorkFunction',
  'process.workflow.workchain': 'WorkChain', 'process.workflow.graph': 'Graph',
};

export function className(nodeType: string): string {
  if (CLASS_NAMES[nodeType]) return CLASS_NAMES[nodeType];
  const last = nodeType.split('.').pop() ?? nodeType;
  return last.charAt(0).toUpperCase() + last.slice(1);
}

export const nodeId = (pk: number): string => `n${pk}`;

export function aggregate(
  nodes: ReadonlyMap<number, NodeRecord>,
  links: Iterable<LinkRecord>,
  options: AggregateOptions,
): VisGraph {
  const allLinks = [...links].filter((l) => nodes.has(l.source) && nodes.has(l.target));
  // the outermost collapsed workflow above each process (itself if none)
  const hiddenUnder = new Map<number, number>();
  const parentOf = new Map<number, number>();
  for (const node of nodes.values()) {
    if (node.kind === 'data') continue;
    let outer: number | null = null;
    let cursor = node.caller;
    const seen = new Set<number>([node.pk]);
    let first = true;
    while (cursor !== null && nodes.has(cursor) && !seen.has(cursor)) {
      seen.add(cursor);
      const up = nodes.get(cursor)!;
      if (first && up.kind === 'workflow') parentOf.set(node.pk, cursor);
      first = false;
      if (!options.openWorkflows.has(cursor)) outer = cursor;
      cursor = up.caller;
    }
    if (outer !== null) hiddenUnder.set(node.pk, outer);
  }
  const loadedIn = new Map<number, number>();
  const loadedOut = new Map<number, number>();
  const creator = new Map<number, number>();
  const linksOf = new Map<number, LinkRecord[]>();
  for (const l of allLinks) {
    loadedOut.set(l.source, (loadedOut.get(l.source) ?? 0) + 1);
    loadedIn.set(l.target, (loadedIn.get(l.target) ?? 0) + 1);
    if (l.linkType === 'create') creator.set(l.target, l.source);
    for (const end of [l.source, l.target]) {
      const list = linksOf.get(end) ?? [];
      list.push(l);
      linksOf.set(end, list);
    }
  }
  const procRep = (pk: number): number => hiddenUnder.get(pk) ?? pk;
  // data created inside a collapsed workflow: hidden unless returned or linked to a node outside it
  for (const node of nodes.values()) {
    if (node.kind !== 'data') continue;
    const made = creator.get(node.pk);
    if (made === undefined || !hiddenUnder.has(made)) continue;
    const under = hiddenUnder.get(made)!;
    const leaves = (linksOf.get(node.pk) ?? []).some((l) => {
      if (l.linkType === 'return') return true;
      const other = l.source === node.pk ? l.target : l.source;
      const otherNode = nodes.get(other)!;
      return otherNode.kind === 'data' || procRep(other) !== under;
    });
    if (!leaves) hiddenUnder.set(node.pk, under);
  }
  const rep = (pk: number): number => hiddenUnder.get(pk) ?? pk;

  const shown = new Map<string, VisNode>();
  const hiddenCount = new Map<number, number>();
  for (const [pk, under] of hiddenUnder) {
    if (nodes.get(pk)!.kind !== 'data') hiddenCount.set(under, (hiddenCount.get(under) ?? 0) + 1);
  }
  for (const node of nodes.values()) {
    if (hiddenUnder.has(node.pk)) continue;
    const parent = parentOf.get(node.pk);
    shown.set(nodeId(node.pk), {
      id: nodeId(node.pk), kind: node.kind, label: node.label, pk: node.pk, record: node,
      parent: parent !== undefined && options.openWorkflows.has(parent) && !hiddenUnder.has(parent) ? nodeId(parent) : undefined,
      hiddenSteps: hiddenCount.get(node.pk) ?? 0,
      stubIn: Math.max(0, node.inDegree - (loadedIn.get(node.pk) ?? 0)),
      stubOut: Math.max(0, node.outDegree - (loadedOut.get(node.pk) ?? 0)),
    });
  }
  // edges between representatives; call links are drawn by nesting, not as edges, inside open workflows
  const edges = new Map<string, VisEdge>();
  for (const l of allLinks) {
    const s = rep(l.source);
    const t = rep(l.target);
    if (s === t) continue;
    if ((l.linkType === 'call_calc' || l.linkType === 'call_work') && shown.get(nodeId(t))?.parent === nodeId(s)) continue;
    const id = `${nodeId(s)}-${l.linkType}-${nodeId(t)}`;
    const edge = edges.get(id);
    if (edge) {
      edge.count += 1;
      edge.label = `${l.linkType} ×${edge.count}`;
    } else {
      edges.set(id, { id, source: nodeId(s), target: nodeId(t), linkType: l.linkType, label: `${l.linkType}\n${l.linkLabel}`, count: 1 });
    }
  }
  let graph: VisGraph = { nodes: [...shown.values()], edges: [...edges.values()] };
  graph = clusterSiblings(graph, options);
  if (options.focus !== undefined && options.focus !== null) graph = focusOn(graph, nodeId(options.focus), options.radius ?? 2);
  return graph;
}

function clusterSiblings(graph: VisGraph, options: AggregateOptions): VisGraph {
  const threshold = options.clusterThreshold;
  if (!(threshold >= 2)) return graph;
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const degree = new Map<string, number>();
  for (const e of graph.edges) {
    degree.set(e.source, (degree.get(e.source) ?? 0) + 1);
    degree.set(e.target, (degree.get(e.target) ?? 0) + 1);
  }
  const isParent = new Set(graph.nodes.map((n) => n.parent).filter((p): p is string => !!p));
  const groups = new Map<string, { hub: string; dir: 'in' | 'out'; edge: VisEdge[]; type: string }>();
  for (const e of graph.edges) {
    for (const [leaf, hub, dir] of [[e.target, e.source, 'out'], [e.source, e.target, 'in']] as const) {
      const node = byId.get(leaf)!;
      if (degree.get(leaf) !== 1 || !node.record || isParent.has(leaf) || node.hiddenSteps > 0) continue;
      if (options.keep?.has(node.record.pk)) continue;
      const key = `${hub}|${dir}|${e.linkType}|${node.record.nodeType}|${node.parent ?? ''}`;
      const group = groups.get(key) ?? { hub, dir, edge: [], type: node.record.nodeType };
      group.edge.push(e);
      groups.set(key, group);
    }
  }
  const dropNodes = new Set<string>();
  const dropEdges = new Set<string>();
  const addNodes: VisNode[] = [];
  const addEdges: VisEdge[] = [];
  for (const [key, group] of groups) {
    if (group.edge.length < threshold || options.openClusters.has(key)) continue;
    const leaves = group.edge.map((e) => (group.dir === 'out' ? e.target : e.source));
    if (leaves.some((id) => dropNodes.has(id))) continue;
    const members = leaves.map((id) => byId.get(id)!.record!.pk);
    const first = byId.get(leaves[0])!;
    const id = `c:${key}`;
    leaves.forEach((l) => dropNodes.add(l));
    group.edge.forEach((e) => dropEdges.add(e.id));
    addNodes.push({
      id, kind: 'cluster', label: `× ${members.length} ${className(group.type)}`, members, clusterKey: key,
      parent: first.parent, hiddenSteps: 0, stubIn: 0, stubOut: 0,
    });
    const linkType = group.edge[0].linkType;
    addEdges.push({
      id: `${id}-edge`, source: group.dir === 'out' ? group.hub : id, target: group.dir === 'out' ? id : group.hub,
      linkType, label: `${linkType} ×${members.length}`, count: members.length,
    });
  }
  if (!addNodes.length) return graph;
  return {
    nodes: graph.nodes.filter((n) => !dropNodes.has(n.id)).concat(addNodes),
    edges: graph.edges.filter((e) => !dropEdges.has(e.id)).concat(addEdges),
  };
}

function focusOn(graph: VisGraph, focus: string, radius: number): VisGraph {
  if (!graph.nodes.some((n) => n.id === focus)) return graph;
  const adjacent = new Map<string, string[]>();
  const link = (a: string, b: string) => {
    const list = adjacent.get(a) ?? [];
    list.push(b);
    adjacent.set(a, list);
  };
  for (const e of graph.edges) {
    link(e.source, e.target);
    link(e.target, e.source);
  }
  for (const n of graph.nodes) if (n.parent) { link(n.id, n.parent); link(n.parent, n.id); }
  const distance = new Map<string, number>([[focus, 0]]);
  let frontier = [focus];
  for (let d = 1; d <= radius && frontier.length; d++) {
    const next: string[] = [];
    for (const id of frontier) for (const other of adjacent.get(id) ?? []) {
      if (!distance.has(other)) { distance.set(other, d); next.push(other); }
    }
    frontier = next;
  }
  // keep the compound parents of what is kept
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  for (const id of [...distance.keys()]) {
    let p = byId.get(id)?.parent;
    while (p && !distance.has(p)) { distance.set(p, radius + 1); p = byId.get(p)?.parent; }
  }
  return {
    nodes: graph.nodes.filter((n) => distance.has(n.id)),
    edges: graph.edges.filter((e) => distance.has(e.source) && distance.has(e.target)),
  };
}

/** The nodes with every compound parent before its children (cytoscape needs a parent to exist first). */
export function parentsFirst<T extends { id: string; parent?: string | null }>(nodes: T[]): T[] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const out: T[] = [];
  const done = new Set<string>();
  const visit = (n: T, path: Set<string>) => {
    if (done.has(n.id) || path.has(n.id)) return;
    path.add(n.id);
    const parent = n.parent ? byId.get(n.parent) : undefined;
    if (parent) visit(parent, path);
    done.add(n.id);
    out.push(n);
  };
  for (const n of nodes) visit(n, new Set());
  return out;
}
