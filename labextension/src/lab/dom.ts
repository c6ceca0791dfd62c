// A tiny DOM helper (the extension draws with plain elements inside Lumino widgets: no React to ship).

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Record<string, any> = {},
  ...children: (Node | string | null | undefined | false)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k.startsWith('on')) (e as any)[k] = v;
    else if (k in e && k !== 'list') (e as any)[k] = v;
    else e.setAttribute(k, String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}

export function button(text: string, title: string, onclick: () => void, cls = ''): HTMLButtonElement {
  return h('button', { class: `jp-prov-button ${cls}`, title, type: 'button', onclick }, text);
}

export function when(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  return isNaN(d.getTime()) ? iso : d.toLocaleString();
}
