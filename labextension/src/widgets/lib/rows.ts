// The process monitor's table as the front end holds it: numbered updates from the kernel applied in
// order (a gap asks for the whole table again), and the rows shown once collapsed subtrees are hidden.
// Protocol: docs/reference/widget-protocol.md, "Process monitor".

export interface ProcessRow {
  pk: number;
  caller: number | null;
  depth: number;
  label: string;
  class: string | null;
  kind: string | null;
  state: string | null;
  state_text: string | null;
  exit_status: number | null;
  exit_message: string | null;
  paused: boolean;
  request: string | null;
  ctime: string | null;
  children: number;
}

export interface RowsMessage {
  type: 'rows';
  full: boolean;
  version: number;
  rows: ProcessRow[];
  removed: number[];
  order?: number[];
  truncated: boolean;
}

export type RowsResult = 'applied' | 'stale' | 'gap';
export const TERMINAL = new Set(['finished', 'excepted', 'killed']);

export class RowTable {
  version = -1;
  readonly rows = new Map<number, ProcessRow>();
  order: number[] = [];
  truncated = false;
  readonly collapsed = new Set<number>();
  /** pks changed by the last update applied (drawn highlighted) */
  changed = new Set<number>();

  apply(message: RowsMessage): RowsResult {
    if (message.full) {
      this.rows.clear();
      this.order = [];
      this.version = message.version;
    } else if (message.version <= this.version) {
      return 'stale';
    } else if (this.version < 0 || message.version !== this.version + 1) {
      return 'gap';
    } else {
      this.version = message.version;
    }
    this.changed = new Set();
    for (const pk of message.removed ?? []) this.rows.delete(pk);
    for (const row of message.rows) {
      if (!message.full) this.changed.add(row.pk);
      this.rows.set(row.pk, row);
    }
    if (message.order) this.order = message.order.filter((pk) => this.rows.has(pk));
    else if (message.removed?.length) this.order = this.order.filter((pk) => this.rows.has(pk));
    this.truncated = message.truncated;
    return 'applied';
  }

  toggle(pk: number): void {
    if (this.collapsed.has(pk)) this.collapsed.delete(pk);
    else this.collapsed.add(pk);
  }

  /** The rows to draw, in table order, without the descendants of collapsed rows. */
  visible(): ProcessRow[] {
    const out: ProcessRow[] = [];
    let hideBelow = -1; // depth of the collapsed row whose subtree is being skipped
    for (const pk of this.order) {
      const row = this.rows.get(pk);
      if (!row) continue;
      if (hideBelow >= 0) {
        if (row.depth > hideBelow) continue;
        hideBelow = -1;
      }
      out.push(row);
      if (this.collapsed.has(pk)) hideBelow = row.depth;
    }
    return out;
  }

  /** Counts by state of every row held (the monitor's summary line). */
  counts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const row of this.rows.values()) {
      const state = row.paused && !TERMINAL.has(row.state ?? '') ? 'paused' : row.state ?? '?';
      counts[state] = (counts[state] ?? 0) + 1;
    }
    return counts;
  }
}
