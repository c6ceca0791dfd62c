// The graph protocol's front-end side for one GraphView, whichever widget (or REST client) carries it:
// it pulls the first snapshot, applies chunks (resyncing on a version gap) and hands details, files,
// selections and errors to the view. ProvenanceGraph uses it as it is; the process monitor and the
// archive browser embed a graph whose messages they wrap (docs/reference/widget-protocol.md).

import { GraphView, GraphViewOptions, Request } from './view';
import { ChunkHeader, decodeChunk } from './columnar';
import { NodeDetail } from './details';

export class GraphClient {
  readonly view: GraphView;
  private resyncing = false;

  constructor(host: HTMLElement, private sendRequest: (request: Request | { type: string; [k: string]: unknown }) => void,
              options: Omit<GraphViewOptions, 'send'>) {
    this.view = new GraphView(host, { ...options, send: (request) => this.sendRequest(request) });
  }

  /** Ask for the first snapshot (messages sent before the view rendered are lost). */
  start(): void {
    this.sendRequest({ type: 'snapshot', reason: 'render' });
  }

  /** One message of the kernel (content as JSON, buffers as DataViews or ArrayBuffers). */
  handle(content: any, buffers: (DataView | ArrayBuffer)[] | undefined): void {
    if (!content || typeof content !== 'object') return;
    const view = this.view;
    switch (content.type) {
      case 'chunk': {
        const header = content as ChunkHeader;
        if (header.kind === 'snapshot') this.resyncing = false;
        else if (this.resyncing) return;
        const result = view.store.apply(decodeChunk(header, (buffers ?? []) as any));
        if (result === 'gap') {
          this.resyncing = true;
          this.sendRequest({ type: 'snapshot', reason: 'gap' });
        }
        break;
      }
      case 'details':
        view.showDetails(content.node as NodeDetail);
        break;
      case 'file':
        view.showFile(content.pk, content.path, content.text ?? null, content.error);
        break;
      case 'roots':
        view.setRoots(content.roots ?? []);
        break;
      case 'select':
        if (typeof content.pk === 'number') view.select(content.pk);
        break;
      case 'error':
        view.showError(String(content.message));
        break;
    }
  }

  /** Whether a process shown has not ended (its state may still change). */
  hasActiveProcesses(): boolean {
    for (const node of this.view.store.nodes.values()) {
      if (node.state === 'created' || node.state === 'waiting' || node.state === 'running') return true;
    }
    return false;
  }

  destroy(): void {
    this.view.destroy();
  }
}
