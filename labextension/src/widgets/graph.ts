// The anywidget front end of ProvenanceGraph: one model per view, data pulled over the comm.
// Protocol: docs/reference/widget-protocol.md. Messages sent by the kernel before this view rendered
// are lost, so the view asks for its snapshot itself, and again on a version gap (GraphClient).

import { ViewState } from '../graph/view';
import { GraphClient } from '../graph/client';
import { Model } from './lib/model';
// the layout worker, bundled separately and inlined here as text (build.mjs): no extra file, no CDN
import workerSource from '../../build/layout-worker.js';

function render({ model, el }: { model: Model; el: HTMLElement }) {
  const client: GraphClient = new GraphClient(el, (request) => model.send(request), {
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
    openInNewView: (pk: number) => client.view.setFocus(pk),
  });
  const view = client.view;
  (el as any).jprovView = view; // for tests and the browser console
  const onMessage = (content: any, buffers: DataView[]) => client.handle(content, buffers);
  model.on('msg:custom', onMessage);
  client.start();
  // live process state: while a shown process is not terminal (and the page is visible), ask the kernel
  // every 2 s for the states that changed; nothing is asked once every process shown has ended
  const live = setInterval(() => {
    if (typeof document !== 'undefined' && document.visibilityState === 'hidden') return;
    if (client.hasActiveProcesses()) model.send({ type: 'refresh' });
  }, 2000);
  return () => {
    clearInterval(live);
    model.off('msg:custom', onMessage);
    client.destroy();
  };
}

export default { render };
