// The data store: every node and link a view has loaded, grown by numbered versions.
// A snapshot replaces everything; deltas apply in version order; a gap asks for a resync.

import { Chunk, LinkRecord, NodeRecord } from './columnar';

export type ApplyResult = 'applied' | 'pending' | 'stale' | 'gap';

export function linkKey(l: LinkRecord): string {
  return `${l.source}>${l.target}:${l.linkType}:${l.linkLabel}`;
}

export class GraphStore {
  nodes = new Map<number, NodeRecord>();
  links = new Map<string, LinkRecord>();
  version = -1;
  private parts = new Map<number, Chunk[]>();
  private listeners: Array<(added: { nodes: NodeRecord[]; links: LinkRecord[] }, snapshot: boolean) => void> = [];

  onChange(listener: (added: { nodes: NodeRecord[]; links: LinkRecord[] }, snapshot: boolean) => void): void {
    this.listeners.push(listener);
  }

  /** Take one part; a version applies once all its parts are in. */
  apply(chunk: Chunk): ApplyResult {
    const { version, kind, parts } = chunk.header;
    if (kind === 'delta' && version <= this.version) return 'stale';
    if (kind === 'snapshot' && version < this.version) return 'stale';
    const list = this.parts.get(version) ?? [];
    list.push(chunk);
    this.parts.set(version, list);
    if (list.length < parts) return 'pending';
    this.parts.delete(version);
    if (kind === 'delta' && version !== this.version + 1) {
      this.parts.clear();
      return 'gap';
    }
    if (kind === 'snapshot') {
      this.nodes.clear();
      this.links.clear();
      for (const key of [...this.parts.keys()]) if (key <= version) this.parts.delete(key);
    }
    const added = { nodes: [] as NodeRecord[], links: [] as LinkRecord[] };
    list.sort((a, b) => a.header.part - b.header.part);
    for (const part of list) {
      for (const node of part.nodes) {
        this.nodes.set(node.pk, node);
        added.nodes.push(node);
      }
      for (const link of part.links) {
        const key = linkKey(link);
        if (!this.links.has(key)) {
          this.links.set(key, link);
          added.links.push(link);
        }
      }
    }
    this.version = version;
    for (const listener of this.listeners) listener(added, kind === 'snapshot');
    return 'applied';
  }

  /** Links that end at or start from ``pk``. */
  linksOf(pk: number): LinkRecord[] {
    const out: LinkRecord[] = [];
    for (const l of this.links.values()) if (l.source === pk || l.target === pk) out.push(l);
    return out;
  }
}
