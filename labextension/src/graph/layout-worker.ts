// The layout Web Worker: one message in ({id, input}), one out ({id, positions} or {id, error}).
import { layoutGraph } from './layout-algorithms';

const scope = self as unknown as { onmessage: (e: MessageEvent) => void; postMessage: (m: unknown) => void };
scope.onmessage = async (event: MessageEvent) => {
  const { id, input } = event.data;
  try {
    scope.postMessage({ id, positions: await layoutGraph(input) });
  } catch (error) {
    scope.postMessage({ id, error: String(error) });
  }
};
