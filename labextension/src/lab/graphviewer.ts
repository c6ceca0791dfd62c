// The main-area graph viewer: the shared GraphView (src/graph) fed over REST instead of a kernel comm.
// The view speaks the widget protocol (docs/reference/widget-protocol.md); this file answers its requests
// with the server's stateless routes: a neighbourhood comes back as a version-0 snapshot and is re-numbered
// here (the first one a snapshot, each later one a delta on top), so GraphStore's version rules still hold.

import { Widget } from '@lumino/widgets';
import { Chunk } from '../graph/columnar';
import { GraphView, Request } from '../graph/view';
import { NodeDetail } from '../graph/details';
import { GraphSource } from './api';
import workerSource from '../../build/layout-worker.js';

export interface GraphTarget {
  /** pk or UUID (a UUID in a saved layout or a link: pks differ between profiles) */
  node: string;
  /** an archive's path in the server's root folder; empty: the served profile */
  archive?: string;
  focus?: string;
}

export class GraphPanel extends Widget {
  view: GraphView | null = null;
  private rootPk: number | null = null;
  private uuid = '';
  private loading: Promise<void> | null = null;

  constructor(readonly source: GraphSource, readonly target: GraphTarget) {
    super();
    this.addClass('jp-prov-graph-panel');
    this.node.dataset.node = target.node;
    this.node.dataset.archive = target.archive ?? '';
    this.title.label = `Provenance ${target.archive ? `${target.archive.split('/').pop()} ` : ''}${target.node.slice(0, 8)}`;
    this.title.closable = true;
  }

  /** The UUID of the root (for the layout and deep links), once known. */
  get rootUuid(): string { return this.uuid || this.target.node; }

  protected onAfterAttach(): void {
    if (!this.view && !this.loading) this.loading = this.start();
  }

  protected onResize(): void {
    this.view?.cy.resize();
  }

  private async start(): Promise<void> {
    let detail: any;
    try {
      detail = await this.source.detail(this.target.node);
    } catch (error) {
      this.node.textContent = `Node ${this.target.node} is not available: ${(error as Error).message}`;
      this.node.classList.add('jp-prov-error');
      return;
    }
    this.rootPk = detail.pk;
    this.uuid = detail.uuid;
    this.title.label = `${detail.class ?? 'Node'} #${detail.pk}${this.target.archive ? ` (${this.target.archive.split('/').pop()})` : ''}`;
    this.title.caption = `${detail.node_type} ${detail.uuid}`;
    const height = Math.max(360, (this.node.clientHeight || 600) - 60);
    const focus = this.target.focus ? Number(this.target.focus) : null;
    this.view = new GraphView(this.node, {
      send: (request) => void this.answer(request),
      roots: [detail.pk], height, workerSource, state: { focus: Number.isFinite(focus) ? focus : null },
      openInNewView: (pk) => this.view?.setFocus(pk),
    });
    (this.node as any).jprovView = this.view; // for tests and the browser console
    this.node.dataset.rootPk = String(detail.pk);
    void this.answer({ type: 'snapshot', reason: 'render' });
  }

  private apply(chunks: Chunk[], kind: 'snapshot' | 'delta'): void {
    if (!this.view) return;
    const version = this.view.store.version + 1;  // computed after the await: concurrent answers stay in order
    for (const chunk of chunks) this.view.store.apply({ ...chunk, header: { ...chunk.header, kind, version } });
  }

  private async answer(request: Request): Promise<void> {
    const view = this.view;
    if (!view || this.rootPk === null) return;
    try {
      switch (request.type) {
        case 'snapshot':
          this.apply(await this.source.neighbourhood(this.rootPk, 1), 'snapshot');
          this.node.dataset.loaded = 'true';
          break;
        case 'expand':
          this.apply(await this.source.neighbourhood(request.pk, request.depth, request.link_types), 'delta');
          break;
        case 'open_workflow':
          this.apply(await this.source.neighbourhood(request.pk, 3), 'delta');
          break;
        case 'details':
          view.showDetails((await this.source.detail(request.pk)) as NodeDetail);
          break;
        case 'file':
          view.showFile(request.pk, request.path, null, 'file contents are shown in the notebook widget only');
          break;
        case 'find': {
          const text = request.text.trim();
          const m = /^(pk|uuid):(.+)$/.exec(text);
          const page = await this.source.search(m ? { identifier: m[2], limit: 20 } : { label: text, limit: 20 });
          for (const item of page.items.slice(0, 20)) this.apply(await this.source.neighbourhood(item.pk, 0), 'delta');
          if (page.items.length) view.select(page.items[0].pk);
          else view.showError(`nothing matches ${text}`);
          break;
        }
      }
    } catch (error) {
      view.showError(`${request.type}: ${(error as Error).message}`);
    }
  }

  /** A process shown here changed state (an event): fetch its new state as a delta. */
  async processChanged(pk: number): Promise<void> {
    if (!this.view || !this.view.store.nodes.has(pk)) return;
    try {
      this.apply(await this.source.neighbourhood(pk, 0), 'delta');
    } catch { /* the next event or reload shows it */ }
  }

  dispose(): void {
    this.view?.destroy();
    this.view = null;
    super.dispose();
  }
}
