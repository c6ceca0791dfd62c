// The anywidget front end of ArchiveBrowser: an archive read in place — metadata, counts by type, groups,
// a filtered table of its nodes, the graph of a selection (the shared graph component) and import with a
// dry run first. Protocol: docs/reference/widget-protocol.md, "Archive browser".

import { Model, h } from './lib/model';
import { EmbeddedGraph } from './lib/embedded';
import workerSource from '../../build/layout-worker.js';

const CSS = `
.jprov-archive { font-family: var(--jp-ui-font-family, Helvetica, Arial, sans-serif); font-size: 12px; border: 1px solid #d5d8dc; border-radius: 4px; }
.jprov-archive-head { padding: 6px; background: #f8f9f9; border-bottom: 1px solid #d5d8dc; }
.jprov-archive-head h4 { margin: 0 0 4px 0; }
.jprov-archive-top { display: flex; gap: 12px; padding: 6px; flex-wrap: wrap; }
.jprov-archive-top table { border-collapse: collapse; }
.jprov-archive-top td, .jprov-archive-nodes td, .jprov-archive-nodes th { padding: 1px 6px; border-bottom: 1px solid #f2f3f4; white-space: nowrap; }
.jprov-type-link, .jprov-group-link { cursor: pointer; color: #1b4f72; }
.jprov-archive-filters { display: flex; gap: 6px; align-items: center; padding: 4px 6px; border-top: 1px solid #d5d8dc; background: #f8f9f9; flex-wrap: wrap; }
.jprov-archive-nodes { width: 100%; border-collapse: collapse; }
.jprov-archive-nodes th { text-align: left; }
.jprov-archive-scroll { max-height: 260px; overflow: auto; }
.jprov-import { padding: 6px; border-top: 1px solid #d5d8dc; background: #fef9e7; }
.jprov-archive-message { color: #1b4f72; margin-left: auto; }
`;

function render({ model, el }: { model: Model; el: HTMLElement }) {
  if (!document.getElementById('jprov-archive-style')) document.head.appendChild(h('style', { id: 'jprov-archive-style' }, CSS));
  const selected = new Set<number>();
  let offset = 0;
  let request = 0;
  let total = 0;
  const PAGE = 50;
  const title = h('h4', {}, String(model.get('path')));
  const meta = h('div', { class: 'jprov-archive-meta' }, 'reading the archive…');
  const types = h('table', { class: 'jprov-archive-types' });
  const groups = h('table', { class: 'jprov-archive-groups' });
  const typeBox = h('select', { class: 'jprov-filter-type' }, h('option', { value: '' }, 'every type'));
  const textBox = h('input', { class: 'jprov-filter-text', type: 'search', placeholder: 'label fragment or pk' });
  const groupBox = h('select', { class: 'jprov-filter-group' }, h('option', { value: '' }, 'every group'));
  const message = h('span', { class: 'jprov-archive-message' }, '');
  const pageText = h('span', { class: 'jprov-archive-page' }, '');
  const rows = h('tbody');
  const importBox = h('div', { class: 'jprov-import', hidden: true });
  const graphHost = h('div', { class: 'jprov-archive-graph' });
  const button = (text: string, cls: string, onclick: () => void, title = '') => h('button', { type: 'button', class: `jprov-button ${cls}`, onclick, title }, text);
  const prev = button('◀', 'jprov-page-prev', () => { offset = Math.max(0, offset - PAGE); ask(); }, 'previous page');
  const next = button('▶', 'jprov-page-next', () => { if (offset + PAGE < total) { offset += PAGE; ask(); } }, 'next page');
  const root = h('div', { class: 'jprov-archive' },
    h('div', { class: 'jprov-archive-head' }, title, meta),
    h('div', { class: 'jprov-archive-top' },
      h('div', {}, h('b', {}, 'Nodes by type'), types), h('div', {}, h('b', {}, 'Groups'), groups)),
    h('div', { class: 'jprov-archive-filters' }, typeBox, textBox, groupBox, prev, pageText, next,
      button('Graph of selection', 'jprov-graph-selection', () => {
        if (!selected.size) { message.textContent = 'select nodes in the table first'; return; }
        model.send({ type: 'graph_open', pks: [...selected] });
      }),
      button('Import…', 'jprov-import-dry', () => { message.textContent = 'counting what an import would add…'; model.send({ type: 'import', dry_run: true }); },
        'a dry run first: nothing changes until you confirm'),
      message),
    h('div', { class: 'jprov-archive-scroll' }, h('table', { class: 'jprov-archive-nodes' },
      h('thead', {}, h('tr', {}, ...['', 'pk', 'type', 'label', 'created', 'state'].map((t) => h('th', {}, t)))), rows)),
    importBox, graphHost);
  el.appendChild(root);
  const graph = new EmbeddedGraph(graphHost, model, workerSource, 400);

  function ask() {
    request += 1;
    model.send({ type: 'nodes', request, node_type: typeBox.value, text: textBox.value.trim(), group: groupBox.value || null, offset, limit: PAGE });
  }
  typeBox.onchange = () => { offset = 0; ask(); };
  groupBox.onchange = () => { offset = 0; ask(); };
  let typing: ReturnType<typeof setTimeout> | undefined;
  textBox.oninput = () => { clearTimeout(typing); typing = setTimeout(() => { offset = 0; ask(); }, 250); };

  function showInfo(info: any) {
    const c = info.counts ?? {};
    meta.textContent = `${info.format} archive, version ${info.version}, written ${String(info.ctime ?? '').slice(0, 19)} by ${info.written_by ?? '?'}: ` +
      `${c.nodes ?? 0} nodes, ${c.links ?? 0} links, ${c.groups ?? 0} groups, ${c.files ?? 0} files, ${c.logs ?? 0} logs, ${c.comments ?? 0} comments`;
    const entries = Object.entries(info.node_types ?? {}) as [string, number][];
    types.replaceChildren(...entries.map(([type, n]) => h('tr', {},
      h('td', {}, h('span', { class: 'jprov-type-link', title: 'show these in the table', onclick: () => { typeBox.value = type; offset = 0; ask(); } }, type)),
      h('td', {}, String(n)))));
    typeBox.replaceChildren(h('option', { value: '' }, 'every type'), ...entries.map(([type]) => h('option', { value: type }, type)));
    const found = info.groups ?? [];
    groups.replaceChildren(...(found.length ? found.map((g: any) => h('tr', {},
      h('td', {}, h('span', { class: 'jprov-group-link', title: 'draw its nodes', dataset: { pk: String(g.pk) },
        onclick: () => { groupBox.value = String(g.pk); offset = 0; ask(); model.send({ type: 'group', pk: g.pk }); } }, g.label)),
      h('td', {}, `${g.count} node(s)`))) : [h('tr', {}, h('td', {}, 'none'))]));
    groupBox.replaceChildren(h('option', { value: '' }, 'every group'), ...found.map((g: any) => h('option', { value: String(g.pk) }, g.label)));
    root.dataset.nodes = String(c.nodes ?? 0);
  }

  function showNodes(page: any) {
    if (page.request !== request) return; // an older answer
    total = page.total;
    pageText.textContent = total ? `${page.offset + 1}–${page.offset + page.items.length} of ${total}` : 'no node matches';
    rows.replaceChildren(...page.items.map((item: any) => {
      const box = h('input', { type: 'checkbox', class: 'jprov-select-node', checked: selected.has(item.pk),
        onchange: () => { if (box.checked) selected.add(item.pk); else selected.delete(item.pk); } });
      return h('tr', { dataset: { pk: String(item.pk) } }, h('td', {}, box), h('td', {}, String(item.pk)), h('td', {}, item.node_type),
        h('td', {}, item.label || item.process_label || ''), h('td', {}, String(item.ctime ?? '').slice(0, 19)),
        h('td', {}, item.process_state ?? ''));
    }));
    root.dataset.total = String(total);
  }

  function showImport(content: any) {
    const result = content.result ?? {};
    importBox.hidden = false;
    const counts = Object.entries(result.counts ?? {}).map(([k, n]) => `${n} ${k}`).join(', ');
    if (content.dry_run) {
      message.textContent = '';
      importBox.replaceChildren(
        h('div', { class: 'jprov-import-summary' }, `Dry run — nothing imported yet. An import would add: ${counts || 'nothing new'}.`),
        h('pre', {}, String(result.summary ?? '')),
        button('Import now', 'jprov-import-confirm', () => { message.textContent = 'importing…'; model.send({ type: 'import', dry_run: false }); }),
        ' ', button('Cancel', 'jprov-import-cancel', () => { importBox.hidden = true; }));
    } else {
      message.textContent = 'imported';
      importBox.replaceChildren(h('div', { class: 'jprov-import-done' }, `Imported into the profile: ${counts || 'nothing new'}.`),
        h('pre', {}, String(result.summary ?? '')));
    }
  }

  const onMessage = (content: any, buffers: DataView[]) => {
    if (!content || typeof content !== 'object') return;
    if (graph.handle(content, buffers)) return;
    switch (content.type) {
      case 'info': showInfo(content.info); break;
      case 'nodes': showNodes(content); break;
      case 'import': showImport(content); break;
      case 'error': message.textContent = String(content.message); break;
    }
  };
  model.on('msg:custom', onMessage);
  model.send({ type: 'info' });
  ask();
  return () => {
    model.off('msg:custom', onMessage);
    graph.destroy();
    root.remove();
  };
}

export default { render };
