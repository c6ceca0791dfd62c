// The anywidget front end of ProvenanceGraph: one model per view, data pulled over the comm.
// Protocol: docs/reference/widget-protocol.md. Messages sent by the kernel before this view rendered
// are lost, so the view asks for its snapshot itself, and again on a version gap.

import { GraphView, ViewState } from '../graph/view';
import { ChunkHeader, decodeChunk } from '../graph/columnar';
import { NodeDetail } from '../graph/details';
// the layout worker, bundled separately and inlined here as text (build.mjs): no extra file, no CDN
import workerSource from '../../build/layout-worker.js';

interface Model {
  get(name: string): any;
  set(name: string, value: unknown): void;
  save_changes(): void;
  send(content: unknown, callbacks?: unknown, buffers?: ArrayBuffer[]): void;
  on(event: string, handler: (...args: any[]) => void): void;
  off(event: string, handler?: (...args: any[]) => void): void;
}

function render({ model, el }: { model: Model; el: HTMLElement }) {
  const view = new GraphView(el, {
    send: (request) => model.send(request),
    roots: model.get('roots') ?? [],
    height: model.get('height') ?? 520,
    workerSource,
    layoutGuard: model.get('layout_guard') ?? 3000,
    state: {
      openWorkflows: model.get('open_workflows') ?? [],
      focus: model.get('focus') ?? null,
      selection: model.get('selection') ?? null,
      filter: model.get('filter') ?? '',
      clusterThreshold: model.get('cluster_threshold') ?? 10,
    },
    onState: (state: ViewState) => {
      model.set('open_workflows', state.openWorkflows);
      model.set('focus', state.focus);
      model.set('selection', state.selection);
      model.set('filter', state.filter);
      model.save_changes();
    },
    openInNewView: (pk: number) => view.setFocus(pk),
  });
  (el as any).jprovView = view; // for tests and the browser console
  let resyncing = false;
  const onMessage = (content: any, buffers: DataView[]) => {
    if (!content || typeof content !== 'object') return;
    switch (content.type) {
      case 'chunk': {
        const header = content as ChunkHeader;
        if (header.kind === 'snapshot') resyncing = false;
        else if (resyncing) return;
        const result = view.store.apply(decodeChunk(header, buffers ?? []));
        if (result === 'gap') {
          resyncing = true;
          model.send({ type: 'snapshot', reason: 'gap' });
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
  };
  model.on('msg:custom', onMessage);
  model.send({ type: 'snapshot', reason: 'render' });
  // live process state: while a shown process is not terminal (and the page is visible), ask the kernel
  // every 2 s for the states that changed; nothing is asked once every process shown has ended
  const live = setInterval(() => {
    if (typeof document !== 'undefined' && document.visibilityState === 'hidden') return;
    for (const node of view.store.nodes.values()) {
      if (node.state === 'created' || node.state === 'waiting' || node.state === 'running') {
        model.send({ type: 'refresh' });
        return;
      }
    }
  }, 2000);
  return () => {
    clearInterval(live);
    model.off('msg:custom', onMessage);
    view.destroy();
  };
}

export default { render };
