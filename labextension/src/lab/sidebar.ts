// The left sidebar "Provenance": Processes (by state, live), Search (→ graph viewer) and Daemon.
// Live: the server re-emits the daemon's state changes on jupyter_server's event bus (server/events.py);
// JupyterLab's EventManager hands them to us and a change refreshes the list at once. A Poll is the fallback
// (every 3 s when the server has no push, 30 s with push; backoff on errors; standby when the page is hidden).

import { Poll } from '@lumino/polling';
import { Widget } from '@lumino/widgets';
import { ApiError, DaemonStatus, FIX_COMMAND, NodeSummary, Page, ProcessItem, ProvApi, Query, ServerStatus } from './api';
import { button, h, when } from './dom';

export const PROCESS_TABS: Record<string, string[]> = {
  running: ['running', 'created'], waiting: ['waiting'], finished: ['finished'], failed: ['excepted', 'killed'],
};
const ACTIVE = new Set(['created', 'running', 'waiting']);
const PAGE = 100;

export interface SidebarOptions {
  api: ProvApi;
  openGraph(node: string): void;
  notify(message: string, kind?: 'error' | 'info'): void;
}

function failure(error: unknown): string {
  return error instanceof ApiError ? `${error.message}${error.status ? ` (HTTP ${error.status})` : ''}` : String(error);
}

class ProcessesSection {
  readonly node: HTMLElement;
  tab = 'running';
  private list: HTMLElement;
  private tabs: Record<string, HTMLButtonElement> = {};
  private footer: HTMLElement;
  private limit = PAGE;

  constructor(private options: SidebarOptions) {
    const tabBar = h('div', { class: 'jp-prov-subtabs', role: 'tablist' });
    for (const name of Object.keys(PROCESS_TABS)) {
      const b = h('button', { class: 'jp-prov-subtab', type: 'button', role: 'tab', dataset: { tab: name },
        onclick: () => { this.tab = name; this.limit = PAGE; void this.refresh(); } }, name);
      this.tabs[name] = b;
      tabBar.append(b);
    }
    this.list = h('div', { class: 'jp-prov-process-list' });
    this.footer = h('div', { class: 'jp-prov-footer' });
    this.node = h('div', { class: 'jp-prov-section jp-prov-processes' }, tabBar, this.list, this.footer);
  }

  async refresh(): Promise<void> {
    const api = this.options.api;
    const counts = Object.entries(PROCESS_TABS).map(async ([name, states]) => {
      const page = await api.get<Page<ProcessItem>>('processes',
        { states: states.join(','), limit: name === this.tab ? this.limit : 1 });
      this.tabs[name].textContent = `${name} (${page.total})`;
      this.tabs[name].classList.toggle('jp-mod-active', name === this.tab);
      this.tabs[name].setAttribute('aria-selected', String(name === this.tab));
      if (name === this.tab) this.render(page);
    });
    await Promise.all(counts);
  }

  private render(page: Page<ProcessItem>): void {
    const rows = page.items.map((p) => {
      const active = p.process_state !== null && ACTIVE.has(p.process_state);
      const control = (action: string) => async () => {
        try {
          const result = await this.options.api.post(`processes/${p.pk}/${action}`, {});
          this.options.notify(`${action} #${p.pk}: ${result.result[String(p.pk)] ?? 'asked'}`, 'info');
        } catch (error) {
          this.options.notify(`${action} #${p.pk}: ${failure(error)}`, 'error');
        }
        void this.refresh();
      };
      return h('div', { class: 'jp-prov-row jp-prov-process', dataset: { pk: String(p.pk), state: p.process_state ?? '' } },
        h('span', { class: 'jp-prov-pk' }, `#${p.pk}`),
        h('span', { class: 'jp-prov-name', title: `${p.node_type} ${p.uuid}` }, p.process_label || p.label || p.class),
        h('span', { class: `jp-prov-state jp-prov-state-${p.process_state}` }, p.state_text),
        h('span', { class: 'jp-prov-time' }, when(p.ctime)),
        h('span', { class: 'jp-prov-actions' },
          active && !p.paused ? button('pause', `pause #${p.pk}`, control('pause'), 'jp-prov-pause') : null,
          active && p.paused ? button('play', `play #${p.pk}`, control('play'), 'jp-prov-play') : null,
          active ? button('kill', `kill #${p.pk}`, control('kill'), 'jp-prov-kill') : null,
          button('graph', `open #${p.pk} in the graph viewer`, () => this.options.openGraph(p.uuid), 'jp-prov-open')));
    });
    this.list.replaceChildren(...(rows.length ? rows : [h('div', { class: 'jp-prov-empty' }, `no ${this.tab} processes`)]));
    this.footer.replaceChildren(page.total > page.items.length
      ? button(`show more (${page.items.length} of ${page.total})`, 'load the next page',
          () => { this.limit += PAGE; void this.refresh(); }, 'jp-prov-more')
      : '');
  }
}

class SearchSection {
  readonly node: HTMLElement;
  private fields: Record<string, HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement> = {};
  private results: HTMLElement;
  private offset = 0;

  constructor(private options: SidebarOptions) {
    const field = (name: string, label: string, input: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement) => {
      input.name = name;
      input.classList.add('jp-prov-input');
      this.fields[name] = input;
      return h('label', { class: 'jp-prov-field' }, h('span', {}, label), input);
    };
    const types = ['', 'data.', 'data.int', 'data.float', 'data.str', 'data.dict', 'data.array', 'data.file', 'process.',
      'process.calculation.', 'process.workflow.', 'process.cell'];
    const form = h('form', { class: 'jp-prov-search-form', onsubmit: (e: Event) => { e.preventDefault(); this.offset = 0; void this.run(); } },
      field('node_type', 'type', h('select', {}, ...types.map((t) => h('option', { value: t }, t || 'any')))),
      field('label', 'label', h('input', { type: 'text', placeholder: 'label contains' })),
      field('identifier', 'pk / uuid', h('input', { type: 'text', placeholder: '12 or 3fa2…' })),
      field('since', 'after', h('input', { type: 'datetime-local' })),
      field('until', 'before', h('input', { type: 'datetime-local' })),
      field('attributes', 'attributes', h('textarea', { rows: 2, placeholder: '{"value": {">": 3}}' })),
      h('button', { class: 'jp-prov-button jp-mod-accept jp-prov-search-go', type: 'submit' }, 'Search'));
    this.results = h('div', { class: 'jp-prov-search-results' });
    this.node = h('div', { class: 'jp-prov-section jp-prov-search' }, form, this.results);
  }

  query(): Query {
    const q: Query = { limit: 50, offset: this.offset };
    for (const [name, input] of Object.entries(this.fields)) {
      const value = input.value.trim();
      if (!value) continue;
      q[name] = name === 'since' || name === 'until' ? new Date(value).toISOString() : value;
    }
    return q;
  }

  async run(): Promise<void> {
    this.results.replaceChildren(h('div', { class: 'jp-prov-empty' }, 'searching…'));
    let page: Page<NodeSummary>;
    try {
      page = await this.options.api.get('nodes', this.query());
    } catch (error) {
      this.results.replaceChildren(h('div', { class: 'jp-prov-error' }, failure(error)));
      return;
    }
    const rows = page.items.map((n) => h('div', {
      class: 'jp-prov-row jp-prov-node', dataset: { pk: String(n.pk), uuid: n.uuid }, title: `${n.node_type}\n${n.uuid}\nopen in the graph viewer`,
      onclick: () => this.options.openGraph(n.uuid), ondblclick: () => undefined,
    }, h('span', { class: 'jp-prov-pk' }, `#${n.pk}`), h('span', { class: 'jp-prov-name' }, `${n.class}${n.label ? ` ${n.label}` : ''}`),
       h('span', { class: 'jp-prov-time' }, when(n.ctime))));
    const pager = h('div', { class: 'jp-prov-footer' }, `${page.offset + 1}–${page.offset + page.items.length} of ${page.total} `,
      page.offset > 0 ? button('‹', 'previous page', () => { this.offset = Math.max(0, this.offset - 50); void this.run(); }) : null,
      page.offset + page.items.length < page.total ? button('›', 'next page', () => { this.offset += 50; void this.run(); }) : null);
    this.results.replaceChildren(...(rows.length ? [...rows, pager] : [h('div', { class: 'jp-prov-empty' }, 'no node matches')]));
  }
}

class DaemonSection {
  readonly node: HTMLElement;
  private summary: HTMLElement;
  private workers: HTMLElement;
  private busy = false;

  constructor(private options: SidebarOptions) {
    this.summary = h('div', { class: 'jp-prov-daemon-summary' }, '…');
    this.workers = h('ul', { class: 'jp-prov-workers' });
    const act = (label: string, title: string, path: string, body: unknown, cls: string) => button(label, title, async () => {
      if (this.busy) return;
      this.busy = true;
      this.summary.textContent = `${label}…`;
      try {
        this.show(await this.options.api.post(path, body));
      } catch (error) {
        this.options.notify(`daemon ${label}: ${failure(error)}`, 'error');
        void this.refresh();
      } finally {
        this.busy = false;
      }
    }, cls);
    this.node = h('div', { class: 'jp-prov-section jp-prov-daemon' }, this.summary,
      h('div', { class: 'jp-prov-daemon-buttons' },
        act('Start', 'start the daemon with one worker', 'daemon/start', { workers: 1 }, 'jp-prov-daemon-start'),
        act('Stop', 'stop the daemon (running processes stop at a checkpoint)', 'daemon/stop', {}, 'jp-prov-daemon-stop'),
        act('+ worker', 'add a worker', 'daemon/workers', { delta: 1 }, 'jp-prov-daemon-add'),
        act('− worker', 'remove a worker', 'daemon/workers', { delta: -1 }, 'jp-prov-daemon-remove')),
      this.workers);
  }

  show(status: DaemonStatus): void {
    const alive = (status.workers ?? []).filter((w) => w.alive).length;
    this.summary.textContent = status.running ? `running: ${alive} worker${alive === 1 ? '' : 's'} (profile ${status.profile})`
      : `stopped (profile ${status.profile})`;
    this.node.dataset.running = String(!!status.running);
    this.node.dataset.workers = String(alive);
    this.workers.replaceChildren(...(status.workers ?? []).map((w) =>
      h('li', {}, `worker pid ${w.pid}: ${w.alive ? (w.ready ? 'ready' : 'starting') : 'gone'}`)));
  }

  async refresh(): Promise<void> {
    if (this.busy) return;
    this.show(await this.options.api.get('daemon'));
  }
}

export class ProvenanceSidebar extends Widget {
  readonly processes: ProcessesSection;
  readonly search: SearchSection;
  readonly daemon: DaemonSection;
  private section = 'processes';
  private body: HTMLElement;
  private unavailable: HTMLElement;
  private header: HTMLElement;
  private poll: Poll;
  private soon: number | null = null;
  status: ServerStatus | null = null;

  constructor(private options: SidebarOptions) {
    super();
    this.id = 'jupyter-prov-sidebar';
    this.addClass('jp-prov-sidebar');
    this.title.caption = 'Provenance';
    this.processes = new ProcessesSection(options);
    this.search = new SearchSection(options);
    this.daemon = new DaemonSection(options);
    const tabs = h('div', { class: 'jp-prov-tabs', role: 'tablist' },
      ...['processes', 'search', 'daemon'].map((name) => h('button', {
        class: `jp-prov-tab${name === this.section ? ' jp-mod-active' : ''}`, type: 'button', role: 'tab', dataset: { section: name },
        onclick: () => this.showSection(name),
      }, name[0].toUpperCase() + name.slice(1))));
    this.header = h('div', { class: 'jp-prov-header' }, h('h2', {}, 'Provenance'), tabs);
    this.body = h('div', { class: 'jp-prov-body' }, this.processes.node, this.search.node, this.daemon.node);
    this.unavailable = h('div', { class: 'jp-prov-unavailable', hidden: true });
    this.node.append(this.header, this.unavailable, this.body);
    this.showSection('processes');
    this.poll = new Poll({
      factory: () => this.refresh(),
      frequency: { interval: 3000, backoff: true, max: 60_000 },
      standby: 'when-hidden',
      name: 'jupyter-prov:sidebar',
    });
  }

  showSection(name: string): void {
    this.section = name;
    for (const [key, section] of Object.entries({ processes: this.processes, search: this.search, daemon: this.daemon })) {
      section.node.hidden = key !== name;
    }
    this.header.querySelectorAll('.jp-prov-tab').forEach((b) =>
      b.classList.toggle('jp-mod-active', (b as HTMLElement).dataset.section === name));
    this.refreshSoon(0);
  }

  /** Refresh now (or after ``delay`` ms, coalescing a burst of events into one request). */
  refreshSoon(delay = 150): void {
    if (this.soon !== null) return;
    this.soon = window.setTimeout(() => { this.soon = null; void this.poll.refresh(); }, delay);
  }

  async refresh(): Promise<void> {
    if (!this.isVisible && this.status) return;  // hidden in the sidebar: nothing to draw
    try {
      this.status = await this.options.api.get<ServerStatus>('status');
    } catch (error) {
      this.showUnavailable(error);
      throw error;  // the poll backs off
    }
    this.unavailable.hidden = true;
    this.body.hidden = false;
    this.node.dataset.events = this.status.events;
    // push works: the events bring changes, the poll only guards against a missed one
    const interval = this.status.events === 'push' ? 30_000 : 3000;
    if (this.poll.frequency.interval !== interval) this.poll.frequency = { ...this.poll.frequency, interval };
    try {
      if (this.section === 'processes') await this.processes.refresh();
      else if (this.section === 'daemon') await this.daemon.refresh();
    } catch (error) {
      this.showUnavailable(error);
      throw error;
    }
  }

  private showUnavailable(error: unknown): void {
    const missing = error instanceof ApiError && (error.status === 404 || error.status === 0);
    this.body.hidden = missing;
    this.unavailable.hidden = false;
    const parts: HTMLElement[] = [h('p', {}, missing ? 'The jupyter-prov server extension is not available on this Jupyter server.'
      : `The provenance server did not answer: ${failure(error)}`)];
    if (missing) parts.push(h('p', {}, 'Install and enable it, then restart the server:'), h('pre', { class: 'jp-prov-fix' }, FIX_COMMAND));
    parts.push(button('Retry', 'ask the server again', () => void this.poll.refresh(), 'jp-prov-retry'));
    this.unavailable.dataset.missing = String(missing);
    this.unavailable.replaceChildren(...parts);
  }

  protected onAfterShow(): void {
    this.refreshSoon(0);
  }

  dispose(): void {
    this.poll.dispose();
    super.dispose();
  }
}
