// The part of an anywidget model the widgets use (the model is the kernel widget's mirror in the page).
export interface Model {
  get(name: string): any;
  set(name: string, value: unknown): void;
  save_changes(): void;
  send(content: unknown, callbacks?: unknown, buffers?: ArrayBuffer[]): void;
  on(event: string, handler: (...args: any[]) => void): void;
  off(event: string, handler?: (...args: any[]) => void): void;
}

/** A tiny element builder (the widgets draw plain DOM: no framework in the bundle). */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Record<string, any> = {},
                                                         ...children: (Node | string | null)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null) continue;
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) (e as any)[k] = v;
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k in e) (e as any)[k] = v;
    else e.setAttribute(k, String(v));
  }
  for (const child of children) if (child !== null) e.append(child);
  return e;
}
