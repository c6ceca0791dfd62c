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
