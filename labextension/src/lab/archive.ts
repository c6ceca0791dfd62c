// `.aiida` and `.jprov` archives in the file browser: a double-click opens the archive viewer, which never
// downloads the file. Its model factory has `fileFormat: null`, so JupyterLab's document context asks the
// contents API for the file's metadata only (no content); the viewer reads the archive in place on the
// server (`/jupyter-prov/api/archives/...`, the path confined to the server's root folder).

import { ABCWidgetFactory, DocumentRegistry, DocumentWidget, TextModelFactory } from '@jupyterlab/docregistry';
import { Contents } from '@jupyterlab/services';
import { Widget } from '@lumino/widgets';
import { GraphSource, NodeSummary, Page, ProvApi } from './api';
import { button, h, when } from './dom';

export const ARCHIVE_FILE_TYPE = 'jupyter-prov-archive';
export const ARCHIVE_FACTORY = 'Provenance archive';
export const ARCHIVE_MODEL = 'jupyter-prov-archive-model';

/** The text model, but never filled from the server: the context then fetches no content. */
export class ArchiveModelFactory extends TextModelFactory {
  get name(): string { return ARCHIVE_MODEL; }
  get contentType(): Contents.ContentType { return 'file'; }
  get fileFormat(): Contents.FileFormat { return null as unknown as Contents.FileFormat; }
}

export interface ArchiveViewerOptions {
  api: ProvApi;
  openGraph(node: string, archive: string): void;
  confirm(title: string, body: string, ok: string): Promise<boolean>;
  notify(message: string, kind?: 'error' | 'info'): void;
}

export class ArchiveView extends Widget {
  private info: HTMLElement;
  private table: HTMLElement;
  private filter: HTMLInputElement;
  private typeBox: HTMLSelectElement;
  private offset = 0;
  private source: GraphSource;
  private started = false;

  constructor(readonly path: string, private options: ArchiveViewerOptions) {
    super();
    this.addClass('jp-prov-archive');
    this.node.dataset.path = path;
    this.source = new GraphSource(options.api, path);
    this.info = h('div', { class: 'jp-prov-archive-info' }, 'reading the archive…');
    this.filter = h('input', { type: 'search', class: 'jp-prov-input', placeholder: 'label contains', onkeydown: (e: KeyboardEvent) => {
      if (e.key === 'Enter') { this.offset = 0; void this.load(); }
    } });
    this.typeBox = h('select', { class: 'jp-prov-input', onchange: () => { this.offset = 0; void this.load(); } },
      h('option', { value: '' }, 'any type'));
    this.table = h('div', { class: 'jp-prov-archive-nodes' });
    this.node.append(this.info, h('div', { class: 'jp-prov-archive-bar' }, this.typeBox, this.filter,
      button('Import into profile…', 'import this archive into the served profile (a dry run first)', () => void this.importArchive(),
        'jp-prov-import')), this.table);
  }

  protected onAfterAttach(): void {
    if (this.started) return;
    this.started = true;
    void this.inspect();
    void this.load();
  }

  private async inspect(): Promise<void> {
    try {
      const info = await this.options.api.get('archives/inspect', { path: this.path });
      const counts = Object.entries(info.entities ?? info.counts ?? {}).map(([k, v]) => `${v} ${k}`).join(', ');
      this.info.replaceChildren(h('h3', {}, this.path),
        h('div', {}, `${info.format ?? 'archive'} version ${info.version ?? '?'}${info.ctime ? `, created ${when(info.ctime)}` : ''}`),
        h('div', { class: 'jp-prov-archive-counts' }, counts));
      const types: string[] = Object.keys(info.node_types ?? {});
      this.typeBox.append(...types.sort().map((t) => h('option', { value: t }, t)));
      this.node.dataset.inspected = 'true';
    } catch (error) {
      this.info.replaceChildren(h('div', { class: 'jp-prov-error' }, `cannot read ${this.path}: ${(error as Error).message}`));
    }
  }

  async load(): Promise<void> {
    let page: Page<NodeSummary>;
    try {
      page = await this.source.search({ label: this.filter.value.trim(), node_type: this.typeBox.value, limit: 100, offset: this.offset });
    } catch (error) {
      this.table.replaceChildren(h('div', { class: 'jp-prov-error' }, (error as Error).message));
      return;
    }
    const rows = page.items.map((n) => h('tr', { class: 'jp-prov-node', dataset: { pk: String(n.pk), uuid: n.uuid },
      title: 'open in the graph viewer', onclick: () => this.options.openGraph(n.uuid, this.path) },
      h('td', {}, String(n.pk)), h('td', {}, n.class), h('td', {}, n.label ?? ''), h('td', {}, n.process_state ?? ''),
      h('td', {}, when(n.ctime)), h('td', { class: 'jp-prov-uuid' }, n.uuid.slice(0, 8))));
    this.table.replaceChildren(
      h('table', {}, h('thead', {}, h('tr', {}, ...['pk', 'class', 'label', 'state', 'created', 'uuid'].map((c) => h('th', {}, c)))),
        h('tbody', {}, ...rows)),
      h('div', { class: 'jp-prov-footer' }, `${page.total ? page.offset + 1 : 0}–${page.offset + page.items.length} of ${page.total} nodes `,
        page.offset > 0 ? button('‹', 'previous page', () => { this.offset = Math.max(0, this.offset - 100); void this.load(); }) : null,
        page.offset + page.items.length < page.total ? button('›', 'next page', () => { this.offset += 100; void this.load(); }) : null));
    this.node.dataset.loaded = String(page.items.length);
  }

  async importArchive(): Promise<void> {
    try {
      const dry = await this.options.api.post('archives/import', { path: this.path, dry_run: true });
      const summary = JSON.stringify(dry.counts ?? dry.new ?? dry, null, 1).slice(0, 600);
      if (!(await this.options.confirm('Import into profile', `A dry run of importing ${this.path}:\n${summary}`, 'Import'))) return;
      const done = await this.options.api.post('archives/import', { path: this.path, dry_run: false });
      this.options.notify(`imported ${this.path}: ${JSON.stringify(done.counts ?? done.new ?? {}).slice(0, 200)}`, 'info');
    } catch (error) {
      this.options.notify(`import of ${this.path}: ${(error as Error).message}`, 'error');
    }
  }
}

export class ArchiveWidgetFactory extends ABCWidgetFactory<DocumentWidget<ArchiveView>, DocumentRegistry.IModel> {
  constructor(options: DocumentRegistry.IWidgetFactoryOptions, private viewer: ArchiveViewerOptions) {
    super(options);
  }

  protected createNewWidget(context: DocumentRegistry.Context): DocumentWidget<ArchiveView> {
    const content = new ArchiveView(context.path, this.viewer);
    const widget = new DocumentWidget({ content, context });
    widget.addClass('jp-prov-archive-document');
    return widget;
  }
}
