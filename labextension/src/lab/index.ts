// The JupyterLab 4 extension of jupyter-prov: the "Provenance" sidebar, the main-area graph viewer (restored
// with the layout, deep links `?jprov-node=<uuid>&jprov-focus=<pk>&jprov-archive=<path>`), `.aiida`/`.jprov`
// archives opened in place from the file browser, a status bar item, and each open notebook's provenance id
// kept in its metadata (identity.ts). Everything talks to the server
// extension (jupyter_prov/server) over REST and listens to its events on jupyter_server's event bus.

import { ILayoutRestorer, IRouter, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { Dialog, ICommandPalette, InputDialog, MainAreaWidget, Notification, WidgetTracker, showDialog } from '@jupyterlab/apputils';
import { PageConfig, URLExt } from '@jupyterlab/coreutils';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { IStatusBar } from '@jupyterlab/statusbar';
import { DAEMON_STATUS_SCHEMA, GraphSource, PROCESS_STATE_SCHEMA, ProvApi } from './api';
import { ARCHIVE_FACTORY, ARCHIVE_FILE_TYPE, ArchiveModelFactory, ArchiveViewerOptions, ArchiveWidgetFactory } from './archive';
import { GraphPanel, GraphTarget } from './graphviewer';
import { archiveIcon, provIcon } from './icons';
import { ProvenanceSidebar } from './sidebar';
import { ProvStatus } from './statusbar';
import { graphRendererFactory } from './mime';
import { IdentityAnswer, NotebookIdentity } from './identity';

export const COMMANDS = {
  openSidebar: 'jupyter-prov:open-sidebar',
  openGraph: 'jupyter-prov:open-graph',
  openFromUrl: 'jupyter-prov:open-from-url',
  copyLink: 'jupyter-prov:copy-graph-link',
};
const CATEGORY = 'Provenance';

/** The deep link of a graph view: the lab page with the node (and focus, archive) in the query. */
export function graphLink(target: GraphTarget): string {
  const query: Record<string, string> = { 'jprov-node': target.node };
  if (target.focus) query['jprov-focus'] = target.focus;
  if (target.archive) query['jprov-archive'] = target.archive;
  return URLExt.join(PageConfig.getBaseUrl(), 'lab') + URLExt.objectToQueryString(query);
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-prov:plugin',
  description: 'Provenance sidebar, graph viewer, archive viewer and status of jupyter-prov',
  autoStart: true,
  optional: [ILayoutRestorer, ICommandPalette, IStatusBar, IRouter, IRenderMimeRegistry],
  activate: (app: JupyterFrontEnd, restorer: ILayoutRestorer | null, palette: ICommandPalette | null,
    statusBar: IStatusBar | null, router: IRouter | null, rendermime: IRenderMimeRegistry | null) => {
    const api = new ProvApi(app.serviceManager.serverSettings);
    // saved graphs in notebooks, drawn from the server (no kernel needed)
    rendermime?.addFactory(graphRendererFactory(api));
    const notify = (message: string, kind: 'error' | 'info' = 'info') =>
      void (kind === 'error' ? Notification.error(message, { autoClose: 8000 }) : Notification.info(message, { autoClose: 4000 }));
    const tracker = new WidgetTracker<MainAreaWidget<GraphPanel>>({ namespace: 'jupyter-prov-graph' });

    const openGraph = (target: GraphTarget): MainAreaWidget<GraphPanel> => {
      const existing = tracker.find((w) => w.content.target.node === target.node
        && (w.content.target.archive ?? '') === (target.archive ?? ''));
      if (existing) {
        app.shell.activateById(existing.id);
        return existing;
      }
      const content = new GraphPanel(new GraphSource(api, target.archive || null), target);
      const widget = new MainAreaWidget({ content });
      widget.id = `jupyter-prov-graph-${Math.random().toString(36).slice(2, 10)}`;
      widget.title.icon = provIcon;
      widget.addClass('jp-prov-graph-widget');
      void tracker.add(widget);
      app.shell.add(widget, 'main');
      app.shell.activateById(widget.id);
      return widget;
    };

    app.commands.addCommand(COMMANDS.openGraph, {
      label: (args) => (args.node ? `Provenance graph of ${args.node}` : 'Open provenance graph…'),
      caption: 'Open a node of the provenance graph (pk or UUID) in the graph viewer',
      icon: provIcon,
      execute: async (args) => {
        let node = (args.node as string | undefined) ?? '';
        if (!node) {
          const answer = await InputDialog.getText({ title: 'Open provenance graph', label: 'Node pk or UUID', placeholder: '12 or 3fa2…' });
          if (!answer.button.accept || !answer.value?.trim()) return;
          node = answer.value.trim();
        }
        return openGraph({ node: String(node), archive: (args.archive as string) || undefined, focus: (args.focus as string) || undefined });
      },
    });
    app.commands.addCommand(COMMANDS.copyLink, {
      label: 'Copy link to this provenance graph',
      isEnabled: () => tracker.currentWidget !== null,
      execute: async () => {
        const current = tracker.currentWidget?.content;
        if (!current) return;
        const focus = current.view?.getState().focus;
        const link = graphLink({ ...current.target, node: current.rootUuid, focus: focus ? String(focus) : undefined });
        try {
          await navigator.clipboard.writeText(link);
          notify(`copied ${link}`);
        } catch {
          notify(link);
        }
      },
    });
    app.commands.addCommand(COMMANDS.openFromUrl, {
      execute: (args) => {
        const search = String((args as any).search ?? window.location.search);
        const query = URLExt.queryStringToObject(search.replace(/^\?/, '')) as Record<string, string>;
        if (!query['jprov-node']) return;
        app.restored.then(() => openGraph({ node: query['jprov-node'], archive: query['jprov-archive'], focus: query['jprov-focus'] }));
      },
    });
    router?.register({ command: COMMANDS.openFromUrl, pattern: /[?&]jprov-node=/, rank: 90 });

    const sidebar = new ProvenanceSidebar({ api, notify, openGraph: (node) => void openGraph({ node }) });
    sidebar.title.icon = provIcon;
    app.shell.add(sidebar, 'left', { rank: 850 });
    app.commands.addCommand(COMMANDS.openSidebar, {
      label: 'Show the Provenance sidebar', icon: provIcon,
      execute: () => app.shell.activateById(sidebar.id),
    });

    const status = new ProvStatus(api, () => app.shell.activateById(sidebar.id));
    statusBar?.registerStatusItem('jupyter-prov:status', { item: status, align: 'left', rank: 50 });

    // live: the server's events (ids + state only) make the views ask for what changed
    app.serviceManager.events.stream.connect((_, event) => {
      if (event.schema_id === PROCESS_STATE_SCHEMA) {
        // and once more a little later: a worker may announce a state just before its transaction commits
        for (const delay of [150, 1500]) {
          window.setTimeout(() => { sidebar.refreshSoon(0); status.refreshSoon(); }, delay);
        }
        const pk = Number(event.pk);
        tracker.forEach((w) => void w.content.processChanged(pk));
      } else if (event.schema_id === DAEMON_STATUS_SCHEMA) {
        sidebar.refreshSoon();
        status.refreshSoon();
      }
    });

    // archives in the file browser, opened in place
    const viewer: ArchiveViewerOptions = {
      api, notify,
      openGraph: (node, archive) => void openGraph({ node, archive }),
      confirm: async (title, body, ok) => (await showDialog({
        title, body, buttons: [Dialog.cancelButton(), Dialog.okButton({ label: ok })],
      })).button.accept,
    };
    app.docRegistry.addModelFactory(new ArchiveModelFactory());
    app.docRegistry.addFileType({
      name: ARCHIVE_FILE_TYPE, displayName: 'Provenance archive', extensions: ['.aiida', '.jprov'],
      mimeTypes: ['application/zip'], contentType: 'file', fileFormat: null as any, icon: archiveIcon,
    });
    const factory = new ArchiveWidgetFactory({
      name: ARCHIVE_FACTORY, modelName: new ArchiveModelFactory().name, fileTypes: [ARCHIVE_FILE_TYPE],
      defaultFor: [ARCHIVE_FILE_TYPE], readOnly: true,
    }, viewer);
    factory.widgetCreated.connect((_, widget) => { widget.title.icon = archiveIcon; });
    app.docRegistry.addWidgetFactory(factory);
    const archiveTracker = new WidgetTracker({ namespace: 'jupyter-prov-archive' });
    factory.widgetCreated.connect((_, widget) => void archiveTracker.add(widget));

    if (restorer) {
      restorer.add(sidebar, 'jupyter-prov-sidebar');
      void restorer.restore(tracker, {
        command: COMMANDS.openGraph,
        args: (w) => ({ node: w.content.rootUuid, archive: w.content.target.archive ?? '', focus: w.content.target.focus ?? '' }),
        name: (w) => `${w.content.target.archive ?? ''}:${w.content.rootUuid}`,
      });
      void restorer.restore(archiveTracker as any, {
        command: 'docmanager:open',
        args: (w: any) => ({ path: w.context.path, factory: ARCHIVE_FACTORY }),
        name: (w: any) => w.context.path,
      });
    }
    // every open notebook keeps its provenance id in its metadata (identity.ts)
    const identity = new NotebookIdentity(
      (path, notebookId) => api.get<IdentityAnswer>('notebooks/identity', { path, notebook_id: notebookId }),
      (message) => console.warn(`jupyter-prov: ${message}`));
    const watchNotebooks = () => {
      const factory = app.docRegistry.getWidgetFactory('Notebook');
      if (!factory || watchedFactories.has(factory)) return;
      watchedFactories.add(factory);
      factory.widgetCreated.connect((_, widget: any) => { if (widget?.context) identity.watch(widget.context); });
    };
    const watchedFactories = new WeakSet<object>();
    watchNotebooks();
    app.docRegistry.changed.connect((_, change) => {
      if (change.type === 'widgetFactory' && change.change === 'added') watchNotebooks();
    });
    void app.restored.then(() => {
      watchNotebooks();
      for (const widget of app.shell.widgets('main')) {
        const context = (widget as any).context;
        if (context?.model && typeof context.model.getMetadata === 'function') identity.watch(context);
      }
    });

    if (palette) {
      for (const command of [COMMANDS.openSidebar, COMMANDS.openGraph, COMMANDS.copyLink]) palette.addItem({ command, category: CATEGORY });
    }
  },
};

export default [plugin];
