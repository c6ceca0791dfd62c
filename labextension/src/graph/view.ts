// The graph view: toolbar (breadcrumbs, search, expand, export), a cytoscape.js canvas and the details
// panel. It renders a GraphStore through `aggregate` and asks for more data through `send`
// (the widget sends over the comm; the lab extension will send over REST). One copy of this code.

import cytoscape from 'cytoscape';
import { GraphStore } from './store';
import { NodeRecord } from './columnar';
import { aggregate, className, nodeId, parentsFirst, VisGraph, VisNode } from './aggregate';
import { LayoutInput, LayoutRunner, LayoutCancelled, Positions, quickLayout } from './layout';
import { DetailsRegistry, detailsRegistry, NodeDetail } from './details';
import { parseQuery } from './search';
import { download, DrawnEdge, DrawnNode, toHtml, toSvg } from './export';
import { CSS } from './style';

export interface ViewState {
  openWorkflows: number[];
  openClusters: string[];
  focus: number | null;
  selection: number | null;
  filter: string;
  clusterThreshold: number;
}

export type Request =
  | { type: 'snapshot'; reason: string }
  | { type: 'expand'; pk: number; direction: 'ancestors' | 'descendants' | 'both'; depth: number; link_types: string[] | null }
  | { type: 'open_workflow'; pk: number }
  | { type: 'details'; pk: number }
  | { type: 'file'; pk: number; path: string }
  | { type: 'find'; text: string };

export interface GraphViewOptions {
  send(request: Request): void;
  roots?: number[];
  state?: Partial<ViewState>;
  height?: number;
  layoutGuard?: number;
  workerSource?: string | null;
  registry?: DetailsRegistry;
  onState?(state: ViewState): void;
  openInNewView?(pk: number): void;
}

export const KIND_STYLE: Record<string, { fill: string; border: string; shape: string }> = {
  data: { fill: '#d6eaf8', border: '#2e86c1', shape: 'ellipse' },
  calculation: { fill: '#fdebd0', border: '#ca6f1e', shape: 'rectangle' },
  calcjob: { fill: '#fadbd8', border: '#b03a2e', shape: 'cut-rectangle' },
  workflow: { fill: '#e8daef', border: '#7d3c98', shape: 'round-rectangle' },
  cell: { fill: '#d5f5e3', border: '#1e8449', shape: 'tag' },
  process: { fill: '#f2f3f4', border: '#566573', shape: 'rectangle' },
  node: { fill: '#ffffff', border: '#566573', shape: 'ellipse' },
  cluster: { fill: '#f8f9f9', border: '#7f8c8d', shape: 'round-hexagon' },
};
export const STATE_BORDER: Record<string, string> = {
  created: '#95a5a6', waiting: '#f39c12', running: '#2471a3', excepted: '#c0392b', killed: '#7f8c8d',
};
export const EDGE_STYLE: Record<string, { color: string; style: 'solid' | 'dashed' | 'dotted' }> = {
  input_calc: { color: '#2e86c1', style: 'solid' }, create: { color: '#ca6f1e', style: 'solid' },
  input_work: { color: '#2e86c1', style: 'dashed' }, return: { color: '#7d3c98', style: 'dashed' },
  call_calc: { color: '#566573', style: 'dotted' }, call_work: { color: '#566573', style: 'dotted' },
};

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Record<string, any> = {}, ...children: (Node | string)[]) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) (e as any)[k] = v;
    else if (k in e) (e as any)[k] = v;
    else e.setAttribute(k, String(v));
  }
  e.append(...children);
  return e;
}

export function nodeText(v: VisNode): string {
  const r = v.record;
  if (!r) return v.label;
  const lines = [`${className(r.nodeType)} #${r.pk}`];
  if (r.label) lines.push(r.label);
  if (r.kind !== 'data' && r.state) lines.push(`[${r.state}${r.exitStatus !== null ? ` ${r.exitStatus}` : ''}]`);
  const marks = [];
  if (v.hiddenSteps) marks.push(`▸ ${v.hiddenSteps} steps`);
  if (v.stubIn) marks.push(`▲${v.stubIn}`);
  if (v.stubOut) marks.push(`▼${v.stubOut}`);
  if (marks.length) lines.push(marks.join('  '));
  return lines.join('\n');
}

export class GraphView {
  readonly store = new GraphStore();
  readonly root: HTMLElement;
  readonly cy: cytoscape.Core;
  private state: ViewState;
  private roots: number[];
  private layout: LayoutRunner;
  private visible: VisGraph = { nodes: [], edges: [] };
  private status: HTMLElement;
  private details: HTMLElement;
  private crumbs: HTMLElement;
  private searchBox: HTMLInputElement;
  private filterBox: HTMLInputElement;
  private depthBox: HTMLSelectElement;
  private banner: HTMLElement;
  private registry: DetailsRegistry;
  private guardAccepted = false;
  private breadcrumbs: number[] = [];
  private pendingFiles = new Map<string, HTMLElement>();
  private positioned = new Set<string>();

  constructor(host: HTMLElement, private options: GraphViewOptions) {
    this.roots = options.roots ?? [];
    this.state = {
      openWorkflows: [], openClusters: [], focus: null, selection: null, filter: '', clusterThreshold: 10,
      ...options.state,
    };
    this.registry = options.registry ?? detailsRegistry;
    this.layout = new LayoutRunner(options.workerSource ?? null);
    if (!document.getElementById('jprov-graph-style')) {
      document.head.appendChild(el('style', { id: 'jprov-graph-style' }, CSS));
    }
    const button = (text: string, title: string, action: () => void, cls = '') =>
      el('button', { class: `jprov-button ${cls}`, title, onclick: action, type: 'button' }, text);
    this.crumbs = el('span', { class: 'jprov-crumbs' });
    this.searchBox = el('input', { class: 'jprov-search', placeholder: 'search: label, type:int, pk:12, uuid:ab12, after:2026-01-01', type: 'search' });
    this.searchBox.oninput = () => { this.state.filter = this.searchBox.value; this.applySearch(); this.emitState(); };
    this.searchBox.onkeydown = (e: KeyboardEvent) => {
      if (e.key === 'Enter' && this.searchBox.value.trim()) this.options.send({ type: 'find', text: this.searchBox.value.trim() });
    };
    this.filterBox = el('input', { type: 'checkbox', class: 'jprov-filter-only', title: 'show only the matches' });
    this.filterBox.onchange = () => this.applySearch();
    this.depthBox = el('select', { class: 'jprov-depth', title: 'links per expansion' },
      ...[1, 2, 3, 5].map((d) => el('option', { value: String(d) }, `depth ${d}`)));
    this.status = el('span', { class: 'jprov-status' }, 'loading…');
    this.banner = el('div', { class: 'jprov-banner', hidden: true });
    const toolbar = el('div', { class: 'jprov-toolbar' },
      this.crumbs, this.searchBox, el('label', { class: 'jprov-only' }, this.filterBox, 'only'), this.depthBox,
      button('▲ Ancestors', 'load the ancestors of the selected node', () => this.expandSelected('ancestors'), 'jprov-expand-ancestors'),
      button('▼ Descendants', 'load the descendants of the selected node', () => this.expandSelected('descendants'), 'jprov-expand-descendants'),
      button('Fit', 'fit the graph in the view', () => this.fit(), 'jprov-fit'),
      button('SVG', 'download what is shown as SVG', () => this.exportSvg(), 'jprov-export-svg'),
      button('PNG', 'download what is shown as PNG', () => this.exportPng(), 'jprov-export-png'),
      button('HTML', 'download a self-contained HTML file of what is shown', () => this.exportHtml(), 'jprov-export-html'),
      this.status);
    const canvas = el('div', { class: 'jprov-cy' });
    canvas.style.height = `${options.height ?? 520}px`;
    this.details = el('div', { class: 'jprov-details' }, el('p', { class: 'jprov-hint' }, 'Click a node for its details; double-click to focus on it.'));
    this.root = el('div', { class: 'jprov-graph' }, toolbar, this.banner, el('div', { class: 'jprov-body' }, canvas, this.details));
    host.appendChild(this.root);
    this.cy = cytoscape({
      // no layout at start (the default grid layout reads the container's size, which a view rendered
      // before it is attached to the page does not have: it threw in JupyterLab)
      container: canvas, elements: [], minZoom: 0.05, maxZoom: 3, layout: { name: 'preset' },
      style: this.cyStyle() as any, boxSelectionEnabled: false,
      // one canvas pixel per CSS pixel and no viewport texture: less memory on big graphs and software GL
      pixelRatio: 1, textureOnViewport: false, motionBlur: false,
      // a big graph pans and zooms without drawing its edges meanwhile
      hideEdgesOnViewport: true,
    });
    this.cy.on('tap', 'node', (event) => this.onTap(event.target.id()));
    this.cy.on('dbltap', 'node', (event) => {
      const pk = event.target.data('pk');
      if (pk !== undefined) this.setFocus(pk);
    });
    this.store.onChange((added, snapshot) => this.refresh(snapshot ? null : added.nodes));
    this.searchBox.value = this.state.filter;
    this.renderCrumbs();
  }

  private cyStyle(): unknown[] {
    const styles: unknown[] = [
      { selector: 'node', style: {
        label: 'data(text)', 'text-wrap': 'wrap', 'text-valign': 'center', 'text-halign': 'center', 'font-size': 9,
        width: 'data(w)', height: 'data(h)', 'border-width': 1.5, 'background-color': 'data(fill)',
        'border-color': 'data(border)', shape: 'data(shape)', 'text-max-width': 'data(w)',
      } },
      { selector: 'node[?running]', style: { 'border-width': 3, 'border-style': 'dashed' } },
      { selector: 'node[?failed]', style: { 'border-width': 3 } },
      { selector: ':parent', style: {
        'text-valign': 'top', 'text-halign': 'center', 'background-opacity': 0.25, shape: 'round-rectangle',
        'padding': 14 as any,
      } },
      { selector: 'node.root', style: { 'border-width': 3.5 } },
      { selector: 'node:selected', style: { 'overlay-color': '#f1c40f', 'overlay-opacity': 0.35, 'overlay-padding': 4 } },
      { selector: 'node.match', style: { 'underlay-color': '#f1c40f', 'underlay-opacity': 0.6, 'underlay-padding': 6 } },
      { selector: '.faded', style: { opacity: 0.18 } },
      { selector: '.filtered', style: { display: 'none' } },
      { selector: 'edge', style: {
        width: 1.2, 'curve-style': 'bezier', 'target-arrow-shape': 'triangle', 'arrow-scale': 0.8,
        'line-color': 'data(color)', 'target-arrow-color': 'data(color)', 'line-style': 'data(lineStyle)',
      } },
      { selector: 'edge[count > 1]', style: { width: 2.5, label: 'data(countText)', 'font-size': 8 } },
    ];
    return styles;
  }

  /** Fit what is shown, never zoomed in beyond 1:1 (two nodes would fill the canvas). */
  fit(): void {
    this.cy.fit(undefined, 20);
    if (this.cy.zoom() > 1) {
      this.cy.zoom(1);
      this.cy.center();
    }
  }

  getState(): ViewState {
    return { ...this.state, openWorkflows: [...this.state.openWorkflows], openClusters: [...this.state.openClusters] };
  }

  private emitState(): void {
    this.options.onState?.(this.getState());
  }

  setStatus(text: string): void {
    this.status.textContent = text;
  }

  setRoots(roots: number[]): void {
    this.roots = roots;
  }

  /** Recompute what is shown and lay out what is new (`added`: nodes of a delta; null: everything). */
  refresh(added: NodeRecord[] | null = null): void {
    const keep = new Set<number>(this.roots);
    if (this.state.selection !== null) keep.add(this.state.selection);
    if (this.state.focus !== null) keep.add(this.state.focus);
    this.visible = aggregate(this.store.nodes, this.store.links.values(), {
      openWorkflows: new Set(this.state.openWorkflows), openClusters: new Set(this.state.openClusters),
      clusterThreshold: this.state.clusterThreshold, keep, focus: this.state.focus, radius: 3,
    });
    const guard = this.options.layoutGuard ?? 3000;
    if (this.visible.nodes.length > guard && !this.guardAccepted) {
      this.banner.hidden = false;
      this.banner.replaceChildren(
        `${this.visible.nodes.length} nodes to show: laying them out takes a while. `,
        el('button', { type: 'button', class: 'jprov-button jprov-guard-accept', onclick: () => { this.guardAccepted = true; this.banner.hidden = true; this.refresh(); } }, 'Lay out anyway'),
        ' or narrow the view (focus on a node, collapse workflows, search with "only").');
      this.setStatus(`${this.visible.nodes.length} nodes (not laid out)`);
      return;
    }
    this.banner.hidden = true;
    this.sync(added);
  }

  private nodeData(v: VisNode): Record<string, unknown> {
    const style = KIND_STYLE[v.kind] ?? KIND_STYLE.node;
    const r = v.record;
    const failed = !!r && (r.state === 'excepted' || (r.state === 'finished' && r.exitStatus !== null && r.exitStatus !== 0));
    const text = nodeText(v);
    const lines = text.split('\n');
    let longest = 0;
    for (const l of lines) if (l.length > longest) longest = l.length;
    return {
      id: v.id, pk: v.pk, kind: v.kind, text, fill: style.fill, shape: style.shape,
      border: failed ? '#c0392b' : (r?.state && STATE_BORDER[r.state]) || style.border,
      running: r?.state === 'running' || r?.state === 'waiting', failed,
      w: Math.min(220, Math.max(80, longest * 5.6 + 16)), h: 14 + 12 * lines.length,
      clusterKey: v.clusterKey, members: v.members,
    };
  }

  private edgeData(e: VisGraph['edges'][number]): Record<string, unknown> {
    const style = EDGE_STYLE[e.linkType] ?? { color: '#566573', style: 'solid' };
    return { id: e.id, source: e.source, target: e.target, linkType: e.linkType, color: style.color,
      lineStyle: style.style, count: e.count, countText: `×${e.count}` };
  }

  private sync(added: NodeRecord[] | null): void {
    const cy = this.cy;
    const parents = new Set(this.visible.nodes.map((n) => n.parent).filter((p): p is string => !!p));
    const rootIds = new Set(this.roots.map(nodeId));
    if (cy.elements().empty()) {
      // the first frame: one add of every element (one style pass, one index update), not one per node
      const defs: cytoscape.ElementDefinition[] = [];
      for (const v of parentsFirst(this.visible.nodes)) {
        defs.push({ group: 'nodes', data: { ...this.nodeData(v), parent: v.parent } as any, classes: rootIds.has(v.id) ? 'root' : '' });
      }
      for (const e of this.visible.edges) defs.push({ group: 'edges', data: this.edgeData(e) as any });
      cy.batch(() => { cy.add(defs); });
    } else {
      const wanted = new Set<string>();
      cy.batch(() => {
        const fresh: cytoscape.ElementDefinition[] = [];
        for (const v of parentsFirst(this.visible.nodes)) {
          wanted.add(v.id);
          const data = this.nodeData(v);
          const existing = cy.getElementById(v.id);
          if (existing.nonempty()) {
            if ((existing.data('parent') ?? undefined) !== v.parent) existing.move({ parent: v.parent ?? null });
            existing.data(data);
            existing.toggleClass('root', rootIds.has(v.id));
          } else {
            fresh.push({ group: 'nodes', data: { ...data, parent: v.parent } as any, classes: rootIds.has(v.id) ? 'root' : '' });
          }
        }
        if (fresh.length) cy.add(fresh);
        const freshEdges: cytoscape.ElementDefinition[] = [];
        for (const e of this.visible.edges) {
          wanted.add(e.id);
          const data = this.edgeData(e);
          const existing = cy.getElementById(e.id);
          if (existing.nonempty()) existing.data(data);
          else freshEdges.push({ group: 'edges', data: data as any });
        }
        if (freshEdges.length) cy.add(freshEdges);
        cy.elements().filter((x) => !wanted.has(x.id())).remove();
      });
    }
    void parents;
    this.applySearch();
    this.runLayout(added);
    const hidden = this.store.nodes.size - this.visible.nodes.filter((n) => n.record).length;
    this.setStatus(`${this.visible.nodes.length} shown · ${this.store.nodes.size} loaded${hidden > 0 ? ` · ${hidden} aggregated` : ''}`);
  }

  private layoutInput(algorithm: 'elk' | 'dagre', only?: Set<string>): LayoutInput {
    const nodes = this.cy.nodes().toArray().filter((n) => !only || only.has(n.id()))
      .map((n) => ({ id: n.id(), width: n.data('w') ?? 80, height: n.data('h') ?? 40, parent: n.data('parent') ?? undefined }));
    const ids = new Set(nodes.map((n) => n.id));
    const edges = this.cy.edges().toArray().filter((e) => ids.has(e.source().id()) && ids.has(e.target().id()))
      .map((e) => ({ id: e.id(), source: e.source().id(), target: e.target().id() }));
    return { algorithm, nodes, edges };
  }

  private async runLayout(added: NodeRecord[] | null): Promise<void> {
    const cy = this.cy;
    const leaves = cy.nodes().filter((n) => !n.isParent());
    const fresh = leaves.filter((n) => !this.positioned.has(n.id()));
    if (!fresh.length) return;
    let input: LayoutInput;
    const small = added !== null && fresh.length <= 20 && this.positioned.size >= fresh.length;
    if (small) {
      // the new nodes and their shown neighbours, placed by dagre around where those neighbours are
      const part = new Set<string>();
      const fixed: Positions = {};
      fresh.forEach((n) => {
        part.add(n.id());
        n.neighborhood('node').forEach((m) => {
          if (this.positioned.has(m.id())) { part.add(m.id()); fixed[m.id()] = { ...m.position() }; }
        });
      });
      input = { ...this.layoutInput('dagre', part), fixed };
      input.nodes = input.nodes.map((n) => ({ ...n, parent: n.parent && part.has(n.parent) ? n.parent : undefined }));
    } else {
      input = this.layoutInput('elk');
    }
    this.setStatus(`laying out ${input.nodes.length} nodes…`);
    const started = performance.now();
    if (!small) {
      // first frame at once: nodes on the layers of their longest path; ELK refines in the worker
      const quick = quickLayout(input);
      cy.batch(() => {
        for (const [id, p] of Object.entries(quick)) {
          const n = cy.getElementById(id);
          if (n.nonempty() && !n.isParent()) { n.position(p); this.positioned.add(id); }
        }
      });
      this.fit();
      this.root.dataset.firstPaintMs = String(Math.round(performance.now() - started));
      if (this.root.dataset.painted === undefined) this.root.dataset.painted = String(this.store.version);
    }
    try {
      const positions = await this.layout.run(input);
      cy.batch(() => {
        for (const [id, p] of Object.entries(positions)) {
          const n = cy.getElementById(id);
          if (n.nonempty() && !n.isParent()) { n.position(p); this.positioned.add(id); }
        }
      });
      if (!small) this.fit();
      this.root.dataset.layoutMs = String(Math.round(performance.now() - started));
      this.root.dataset.painted = String(this.store.version);
      this.root.dataset.laidOut = String(this.store.version);
      this.setStatus(`${this.visible.nodes.length} shown · ${this.store.nodes.size} loaded`);
    } catch (error) {
      if (!(error instanceof LayoutCancelled)) this.setStatus(`layout failed: ${error}`);
    }
  }

  private applySearch(): void {
    const matcher = parseQuery(this.state.filter);
    const only = this.filterBox.checked;
    let count = 0;
    this.cy.batch(() => {
      this.cy.nodes().forEach((n) => {
        const pk = n.data('pk');
        const record = pk !== undefined ? this.store.nodes.get(pk) : undefined;
        const members: number[] = n.data('members') ?? [];
        const hit = !!matcher && (record ? matcher(record) : members.some((m) => { const r = this.store.nodes.get(m); return !!r && matcher(r); }));
        if (hit) count++;
        n.toggleClass('match', hit);
        n.toggleClass('faded', !!matcher && !hit && !only && !n.isParent());
        n.toggleClass('filtered', !!matcher && !hit && only && !n.isParent());
      });
    });
    this.root.dataset.matches = String(count);
  }

  private onTap(id: string): void {
    const node = this.cy.getElementById(id);
    const clusterKey = node.data('clusterKey');
    if (clusterKey) {
      this.state.openClusters = [...new Set([...this.state.openClusters, clusterKey])];
      this.emitState();
      this.refresh([]);
      return;
    }
    const pk = node.data('pk');
    if (pk !== undefined) this.select(pk);
  }

  select(pk: number): void {
    this.state.selection = pk;
    this.emitState();
    this.cy.nodes().unselect();
    this.cy.getElementById(nodeId(pk)).select();
    const record = this.store.nodes.get(pk);
    this.details.replaceChildren(this.detailHeader(pk, record), el('p', { class: 'jprov-hint' }, 'loading details…'));
    this.options.send({ type: 'details', pk });
  }

  private detailHeader(pk: number, record?: NodeRecord): HTMLElement {
    const actions = el('div', { class: 'jprov-actions' });
    const box = el('div', { class: 'jprov-detail-head' },
      el('h4', {}, record ? `${className(record.nodeType)} #${pk}` : `#${pk}`),
      el('div', { class: 'jprov-uuid' }, record?.uuid ?? ''), actions);
    const add = (text: string, cls: string, action: () => void) =>
      actions.appendChild(el('button', { type: 'button', class: `jprov-button ${cls}`, onclick: action }, text));
    add('Copy UUID', 'jprov-copy-uuid', () => { if (record) void navigator.clipboard?.writeText(record.uuid).catch(() => undefined); });
    add('Ancestors', 'jprov-node-ancestors', () => this.expand(pk, 'ancestors'));
    add('Descendants', 'jprov-node-descendants', () => this.expand(pk, 'descendants'));
    add('Focus', 'jprov-node-focus', () => this.setFocus(pk));
    if (record?.kind === 'workflow') {
      const open = this.state.openWorkflows.includes(pk);
      add(open ? 'Collapse workflow' : 'Expand workflow', open ? 'jprov-collapse-workflow' : 'jprov-expand-workflow',
        () => this.toggleWorkflow(pk));
    }
    if (this.options.openInNewView) add('Open in new view', 'jprov-open-new', () => this.options.openInNewView!(pk));
    if (record) {
      const facts = [record.nodeType, record.label, record.state ? `state ${record.state}` : '',
        record.exitStatus !== null ? `exit ${record.exitStatus}` : '', new Date(record.ctime * 1000).toISOString()];
      box.appendChild(el('div', { class: 'jprov-facts' }, facts.filter(Boolean).join(' · ')));
    }
    return box;
  }

  showDetails(detail: NodeDetail): void {
    if (detail.pk !== this.state.selection) return;
    const record = this.store.nodes.get(detail.pk);
    this.details.replaceChildren(this.detailHeader(detail.pk, record));
    this.registry.render(this.details, detail, {
      select: (pk) => (this.store.nodes.has(pk) ? this.select(pk) : this.options.send({ type: 'find', text: `pk:${pk}` })),
      openFile: (pk, path, into) => {
        this.pendingFiles.set(`${pk}/${path}`, into);
        into.textContent = 'loading…';
        this.options.send({ type: 'file', pk, path });
      },
    });
  }

  showFile(pk: number, path: string, text: string | null, error?: string): void {
    const into = this.pendingFiles.get(`${pk}/${path}`);
    if (!into) return;
    this.pendingFiles.delete(`${pk}/${path}`);
    into.replaceChildren(el('pre', { class: 'jprov-file-text' }, text ?? error ?? ''));
  }

  showError(message: string): void {
    this.setStatus(message);
    this.root.dataset.error = message;
  }

  expand(pk: number, direction: 'ancestors' | 'descendants' | 'both'): void {
    this.setStatus(`loading ${direction} of #${pk}…`);
    this.options.send({ type: 'expand', pk, direction, depth: Number(this.depthBox.value) || 1, link_types: null });
  }

  private expandSelected(direction: 'ancestors' | 'descendants'): void {
    const pk = this.state.selection ?? this.roots[0];
    if (pk !== undefined) this.expand(pk, direction);
  }

  toggleWorkflow(pk: number): void {
    const open = new Set(this.state.openWorkflows);
    if (open.has(pk)) open.delete(pk);
    else {
      open.add(pk);
      this.options.send({ type: 'open_workflow', pk });
    }
    this.state.openWorkflows = [...open];
    this.emitState();
    this.refresh([]);
    if (this.state.selection === pk) this.select(pk);
  }

  setFocus(pk: number | null): void {
    this.state.focus = pk;
    if (pk !== null) {
      this.breadcrumbs = this.breadcrumbs.filter((b) => b !== pk).concat(pk).slice(-8);
      this.expand(pk, 'both');
    }
    this.renderCrumbs();
    this.emitState();
    this.refresh([]);
    if (pk !== null) {
      const n = this.cy.getElementById(nodeId(pk));
      if (n.nonempty()) this.cy.animate({ center: { eles: n } }, { duration: 200 });
    }
  }

  private renderCrumbs(): void {
    const items: (Node | string)[] = [el('a', { href: '#', class: 'jprov-crumb jprov-crumb-all', onclick: (e: Event) => { e.preventDefault(); this.setFocus(null); } }, 'all')];
    for (const pk of this.breadcrumbs) {
      items.push(' › ', el('a', { href: '#', class: 'jprov-crumb', onclick: (e: Event) => { e.preventDefault(); this.setFocus(pk); } }, `#${pk}`));
    }
    this.crumbs.replaceChildren(...items);
  }

  drawn(): { nodes: DrawnNode[]; edges: DrawnEdge[] } {
    const nodes: DrawnNode[] = this.cy.nodes(':visible').map((n) => {
      const box = n.boundingBox({ includeLabels: false, includeOverlays: false } as any);
      return { id: n.id(), kind: n.data('kind'), label: n.data('text') ?? '', x: n.position('x'), y: n.position('y'),
        width: box.w, height: box.h, compound: n.isParent(), border: n.data('border'), fill: n.data('fill') };
    });
    const edges: DrawnEdge[] = this.cy.edges(':visible').map((e) => ({ source: e.source().id(), target: e.target().id(),
      linkType: e.data('linkType'), color: e.data('color'), dashed: e.data('lineStyle') !== 'solid' }));
    return { nodes, edges };
  }

  svg(): string {
    const { nodes, edges } = this.drawn();
    return toSvg(nodes, edges, `provenance of ${this.roots.map((r) => `#${r}`).join(', ')}`);
  }

  exportSvg(): void {
    download('provenance.svg', this.svg(), 'image/svg+xml');
  }

  exportPng(): void {
    const blob = this.cy.png({ output: 'blob', full: true, scale: 2, bg: '#ffffff' }) as unknown as Blob;
    download('provenance.png', blob, 'image/png');
  }

  exportHtml(): void {
    download('provenance.html', toHtml(this.svg(), 'provenance graph'), 'text/html');
  }

  destroy(): void {
    this.layout.dispose();
    this.cy.destroy();
    this.root.remove();
  }
}
