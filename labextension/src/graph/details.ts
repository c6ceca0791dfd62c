// The details panel and its registry: sections (attributes, extras, files, links, a cell's source...)
// register once; the widgets and the lab extension render a node's detail through the same registry.

export interface NodeDetail {
  pk: number;
  uuid: string;
  node_type: string;
  label?: string | null;
  attributes?: Record<string, unknown>;
  extras?: Record<string, unknown>;
  files?: Array<string | { path: string; size?: number | null }>;
  incoming?: Array<{ link_type: string; link_label: string; node?: { pk: number; label?: string; node_type?: string }; pk?: number }>;
  outgoing?: Array<{ link_type: string; link_label: string; node?: { pk: number; label?: string; node_type?: string }; pk?: number }>;
  [key: string]: unknown;
}

export interface DetailsContext {
  select(pk: number): void;
  openFile(pk: number, path: string, into: HTMLElement): void;
}

export interface DetailsSection {
  id: string;
  title: string;
  applies(detail: NodeDetail): boolean;
  render(container: HTMLElement, detail: NodeDetail, context: DetailsContext): void;
}

export class DetailsRegistry {
  private sections: DetailsSection[] = [];
  register(section: DetailsSection): void {
    this.sections = this.sections.filter((s) => s.id !== section.id).concat(section);
  }
  list(): DetailsSection[] {
    return [...this.sections];
  }
  render(container: HTMLElement, detail: NodeDetail, context: DetailsContext): void {
    for (const section of this.sections) {
      if (!section.applies(detail)) continue;
      const box = document.createElement('details');
      box.open = true;
      box.className = `jprov-section jprov-section-${section.id}`;
      const summary = document.createElement('summary');
      summary.textContent = section.title;
      box.appendChild(summary);
      section.render(box, detail, context);
      container.appendChild(box);
    }
  }
}

function pre(text: string): HTMLElement {
  const el = document.createElement('pre');
  el.textContent = text;
  return el;
}

function json(value: unknown): string {
  return JSON.stringify(value, null, 1) ?? '';
}

const hasKeys = (v: unknown) => !!v && typeof v === 'object' && Object.keys(v as object).length > 0;

export const detailsRegistry = new DetailsRegistry();
detailsRegistry.register({
  id: 'source', title: 'Cell source', applies: (d) => d.node_type === 'process.cell' && typeof d.attributes?.source === 'string',
  render: (box, d) => box.appendChild(pre(String(d.attributes!.source))),
});
detailsRegistry.register({
  id: 'attributes', title: 'Attributes', applies: (d) => hasKeys(d.attributes),
  render: (box, d) => {
    const attributes = { ...d.attributes };
    if (d.node_type === 'process.cell') delete attributes.source;
    box.appendChild(pre(json(attributes)));
  },
});
detailsRegistry.register({
  id: 'extras', title: 'Extras', applies: (d) => hasKeys(d.extras),
  render: (box, d) => box.appendChild(pre(json(d.extras))),
});
detailsRegistry.register({
  id: 'files', title: 'Files', applies: (d) => Array.isArray(d.files) && d.files.length > 0,
  render: (box, d, context) => {
    const list = document.createElement('ul');
    for (const file of d.files!) {
      const path = typeof file === 'string' ? file : file.path;
      const size = typeof file === 'string' ? null : file.size;
      const item = document.createElement('li');
      const link = document.createElement('a');
      link.href = '#';
      link.className = 'jprov-file';
      link.textContent = size === null || size === undefined ? path : `${path} (${size} B)`;
      const body = document.createElement('div');
      link.onclick = (event) => {
        event.preventDefault();
        context.openFile(d.pk, path, body);
      };
      item.append(link, body);
      list.appendChild(item);
    }
    box.appendChild(list);
  },
});
detailsRegistry.register({
  id: 'links', title: 'Links', applies: (d) => !!(d.incoming?.length || d.outgoing?.length),
  render: (box, d, context) => {
    for (const [title, links, arrow] of [['in', d.incoming ?? [], '←'], ['out', d.outgoing ?? [], '→']] as const) {
      if (!links.length) continue;
      const list = document.createElement('ul');
      list.className = `jprov-links-${title}`;
      for (const link of links) {
        const pk = link.node?.pk ?? link.pk;
        const item = document.createElement('li');
        const a = document.createElement('a');
        a.href = '#';
        a.textContent = `${arrow} ${link.link_type} ${link.link_label}: #${pk} ${link.node?.label ?? ''}`;
        a.onclick = (event) => {
          event.preventDefault();
          if (pk !== undefined) context.select(pk);
        };
        item.appendChild(a);
        list.appendChild(item);
      }
      box.appendChild(list);
    }
  },
});
