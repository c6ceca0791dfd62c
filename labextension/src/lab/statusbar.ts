// The status bar item: daemon up/down and how many processes run. Fixed width (CSS), so it never shifts
// its neighbours when the numbers change. Updated by the event bus; a slow Poll (standby when hidden) guards.

import { Poll } from '@lumino/polling';
import { Widget } from '@lumino/widgets';
import { DaemonStatus, Page, ProcessItem, ProvApi } from './api';

export class ProvStatus extends Widget {
  private poll: Poll;
  private soon: number | null = null;

  constructor(private api: ProvApi, onClick: () => void) {
    super();
    this.addClass('jp-prov-status');
    this.node.title = 'jupyter-prov: daemon and running processes (click: open the Provenance sidebar)';
    this.node.textContent = 'prov: …';
    this.node.onclick = onClick;
    this.poll = new Poll({ factory: () => this.update_(), frequency: { interval: 15_000, backoff: true, max: 120_000 },
      standby: 'when-hidden', name: 'jupyter-prov:status' });
  }

  refreshSoon(): void {
    if (this.soon !== null) return;
    this.soon = window.setTimeout(() => { this.soon = null; void this.poll.refresh(); }, 300);
  }

  private async update_(): Promise<void> {
    try {
      const [daemon, running] = await Promise.all([
        this.api.get<DaemonStatus>('daemon'),
        this.api.get<Page<ProcessItem>>('processes', { states: 'created,running,waiting', limit: 1 }),
      ]);
      const up = !!daemon.running;
      this.node.dataset.daemon = up ? 'up' : 'down';
      this.node.dataset.running = String(running.total);
      this.node.textContent = `⚙ ${up ? 'up' : 'down'} · ${running.total} running`;
    } catch (error) {
      this.node.dataset.daemon = 'unknown';
      this.node.textContent = 'prov: n/a';
      throw error;
    }
  }

  dispose(): void {
    this.poll.dispose();
    super.dispose();
  }
}
