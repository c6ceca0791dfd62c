// The MIME renderer of a saved graph: an output of type GRAPH_MIME names the nodes ({"roots": [uuid, ...],
// "archive"?: path}) and the page draws their graph from the server, so a saved notebook shows its graphs
// without a kernel (the widget's own state needs one). The data holds identifiers only: nothing in it is
// rendered as HTML, so the renderer is safe for untrusted notebooks.

import { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Panel } from '@lumino/widgets';
import { GraphSource, ProvApi } from './api';
import { GraphPanel } from './graphviewer';

export const GRAPH_MIME = 'application/vnd.jupyter-prov.graph+json';

export class GraphMimeRenderer extends Panel implements IRenderMime.IRenderer {
  private shown = '';

  constructor(private api: ProvApi) {
    super();
    this.addClass('jp-prov-graph-output');
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const data = (model.data[GRAPH_MIME] ?? {}) as { roots?: (string | number)[]; archive?: string; focus?: number };
    const root = data.roots?.[0];
    const key = JSON.stringify(data);
    if (root === undefined || key === this.shown) return;
    this.shown = key;
    for (const child of [...this.widgets]) child.dispose();
    this.addWidget(new GraphPanel(new GraphSource(this.api, data.archive || null),
      { node: String(root), archive: data.archive, focus: data.focus !== undefined ? String(data.focus) : undefined }));
  }
}

export function graphRendererFactory(api: ProvApi): IRenderMime.IRendererFactory {
  return { safe: true, mimeTypes: [GRAPH_MIME], defaultRank: 40, createRenderer: () => new GraphMimeRenderer(api) };
}
