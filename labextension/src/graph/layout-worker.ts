// The layout Web Worker: one message in ({jprovLayout: id, input}), one out ({id, positions} or {id, error}).
//
// elkjs's bundled build, loaded in a worker, installs its own `self.onmessage` (its worker protocol) at
// load and again when an ELK instance starts: it replaced a plain onmessage handler after the first
// layout, and every later layout waited forever. So this listens with addEventListener and clears
// `self.onmessage` after each layout (ELK here runs in this thread, it needs no messages).
import { layoutGraph } from './layout-algorithms';

interface Scope {
  onmessage: ((e: MessageEvent) => void) | null;
  addEventListener(type: 'message', listener: (e: MessageEvent) => void): void;
  postMessage(message: unknown): void;
}
const scope = self as unknown as Scope;
scope.onmessage = null;
scope.addEventListener('message', async (event: MessageEvent) => {
  const data = event.data;
  if (!data || typeof data.jprovLayout !== 'number') return;
  const id = data.jprovLayout;
  try {
    const positions = await layoutGraph(data.input);
    scope.onmessage = null;
    scope.postMessage({ jprovLayout: id, positions });
  } catch (error) {
    scope.onmessage = null;
    scope.postMessage({ jprovLayout: id, error: String(error) });
  }
});
