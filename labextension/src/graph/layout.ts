// Layout runner: the algorithms (layout-algorithms.ts: ELK layered for a whole view, dagre tight-tree for
// small incremental expansions keeping what is shown in place) run in a Web Worker (a layout of 1-2k
// nodes costs seconds here: TOOLCHAIN.md), cancellable (a newer request terminates the running worker),
// cached per subgraph. This module does not import ELK: it lives in the worker's bundle only.

import type { LayoutInput, Positions } from './layout-algorithms';
export type { LayoutInput, LayoutNode, LayoutEdge, Positions } from './layout-algorithms';

export function cacheKey(input: LayoutInput): string {
  const n = input.nodes.map((x) => `${x.id}/${x.parent ?? ''}`).sort().join(',');
  const e = input.edges.map((x) => x.id).sort().join(',');
  let h = 2166136261;
  const s = `${input.algorithm}|${n}|${e}`;
  for (let i = 0; i < s.length; i++) { h ^= s.charCodeAt(i); h = Math.imul(h, 16777619); }
  return `${(h >>> 0).toString(36)}:${s.length}`;
}

export class LayoutCancelled extends Error {
  constructor() { super('layout cancelled'); }
}

/** Runs layouts in a Web Worker made from `workerSource`; without Worker support, in this thread. */
export class LayoutRunner {
  private worker: Worker | null = null;
  private url: string | null = null;
  private pending: { id: number; resolve: (p: Positions) => void; reject: (e: Error) => void } | null = null;
  private next = 1;
  private cache = new Map<string, Positions>();
  constructor(private workerSource: string | null, private inThread?: (input: LayoutInput) => Promise<Positions>) {}

  private spawn(): Worker | null {
    if (!this.workerSource || typeof Worker === 'undefined' || typeof Blob === 'undefined') return null;
    if (!this.url) this.url = URL.createObjectURL(new Blob([this.workerSource], { type: 'text/javascript' }));
    const worker = new Worker(this.url);
    worker.onmessage = (event: MessageEvent) => {
      const { jprovLayout: id, positions, error } = event.data ?? {};
      const pending = this.pending;
      if (!pending || pending.id !== id) return;
      this.pending = null;
      if (error) pending.reject(new Error(error));
      else pending.resolve(positions);
    };
    return worker;
  }

  cancel(): void {
    if (this.pending) {
      this.pending.reject(new LayoutCancelled());
      this.pending = null;
      this.worker?.terminate();
      this.worker = null;
    }
  }

  async run(input: LayoutInput): Promise<Positions> {
    const key = cacheKey(input);
    const hit = this.cache.get(key);
    if (hit && !input.fixed) return hit;
    this.cancel();
    if (!this.worker) this.worker = this.spawn();
    let positions: Positions;
    if (!this.worker) {
      if (!this.inThread) throw new Error('no Web Worker here and no in-thread layout given');
      positions = await this.inThread(input);
    } else {
      const id = this.next++;
      positions = await new Promise<Positions>((resolve, reject) => {
        this.pending = { id, resolve, reject };
        this.worker!.postMessage({ jprovLayout: id, input });
      });
    }
    if (!input.fixed) {
      if (this.cache.size > 32) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(key, positions);
    }
    return positions;
  }

  dispose(): void {
    this.cancel();
    this.worker?.terminate();
    if (this.url) URL.revokeObjectURL(this.url);
  }
}

/**
 * A layout cheap enough for the first frame (milliseconds for 5k nodes, in this thread): each node on the
 * layer of its longest path from a source, layers side by side in arrival order. ELK refines it after.
 */
export function quickLayout(input: LayoutInput): Positions {
  const parents = new Set(input.nodes.map((n) => n.parent).filter((p): p is string => !!p));
  const leaves = input.nodes.filter((n) => !parents.has(n.id));
  const ids = new Set(leaves.map((n) => n.id));
  const out = new Map<string, string[]>();
  const indegree = new Map<string, number>(leaves.map((n) => [n.id, 0]));
  for (const e of input.edges) {
    if (!ids.has(e.source) || !ids.has(e.target) || e.source === e.target) continue;
    out.set(e.source, [...(out.get(e.source) ?? []), e.target]);
    indegree.set(e.target, (indegree.get(e.target) ?? 0) + 1);
  }
  const rank = new Map<string, number>();
  const queue = leaves.filter((n) => indegree.get(n.id) === 0).map((n) => n.id);
  for (const id of queue) rank.set(id, 0);
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i];
    for (const next of out.get(id) ?? []) {
      rank.set(next, Math.max(rank.get(next) ?? 0, rank.get(id)! + 1));
      indegree.set(next, indegree.get(next)! - 1);
      if (indegree.get(next) === 0) queue.push(next);
    }
  }
  const top = Math.max(0, ...rank.values());
  const layers: string[][] = [];
  for (const n of leaves) {
    const r = rank.get(n.id) ?? top + 1; // on a cycle: below everything
    (layers[r] ??= []).push(n.id);
  }
  const width = Math.max(80, ...leaves.map((n) => n.width)) + 20;
  const positions: Positions = {};
  layers.forEach((layer, r) => {
    layer.forEach((id, i) => { positions[id] = { x: (i - (layer.length - 1) / 2) * width, y: r * 80 }; });
  });
  return positions;
}
