// A graph inside another widget (the process monitor's selected process, the archive browser's selection):
// the shared graph component, its requests wrapped as {type: 'graph', graph: id, request} and the kernel's
// answers unwrapped from {type: 'graph', graph: id, message}. A new graph_open replaces the view; answers
// for an older id are dropped.

import { GraphClient } from '../../graph/client';
import { Model } from './model';

export class EmbeddedGraph {
  client: GraphClient | null = null;
  graphId = 0;

  constructor(private host: HTMLElement, private model: Model, private workerSource: string, private height = 420) {}

  /** Handles graph_open and graph messages; false for any other message. */
  handle(content: any, buffers: DataView[]): boolean {
    if (content?.type === 'graph_open') {
      this.open(content.graph, content.roots ?? []);
      return true;
    }
    if (content?.type === 'graph') {
      if (content.graph === this.graphId && this.client) this.client.handle(content.message, buffers);
      return true;
    }
    return false;
  }

  private open(graphId: number, roots: number[]): void {
    this.client?.destroy();
    this.host.replaceChildren();
    this.graphId = graphId;
    const id = graphId;
    const client: GraphClient = new GraphClient(this.host, (request) => this.model.send({ type: 'graph', graph: id, request }), {
      roots, height: this.height, workerSource: this.workerSource,
      openInNewView: (pk: number) => client.view.setFocus(pk),
    });
    this.client = client;
    (this.host as any).jprovView = client.view; // for tests and the browser console
    client.start();
  }

  destroy(): void {
    this.client?.destroy();
    this.client = null;
  }
}
