// The REST client of the lab extension: every route is under <base_url>/jupyter-prov/api/ (jupyter_prov/server/routes.py).
// ServerConnection adds the token and the XSRF header, so POSTs pass the server's checks.

import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
import { Chunk, ChunkHeader, decodeChunk } from '../graph/columnar';

export const PROCESS_STATE_SCHEMA = 'https://events.jupyter.org/jupyter_prov/process_state/v1';
export const DAEMON_STATUS_SCHEMA = 'https://events.jupyter.org/jupyter_prov/daemon_status/v1';
/** What fixes a server without our extension (shown in the "unavailable" state). */
export const FIX_COMMAND = 'pip install jupyter-prov && jupyter server extension enable jupyter_prov.server';

export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export type Query = Record<string, string | number | boolean | null | undefined>;

export interface Page<T> { total: number; offset: number; limit: number; items: T[] }
export interface NodeSummary {
  pk: number; uuid: string; node_type: string; kind: string; class: string; label: string;
  ctime: string | null; process_label: string | null; process_state: string | null; exit_status: number | null;
}
export interface ProcessItem extends NodeSummary { state_text: string; paused: boolean; request: string | null }
export interface DaemonStatus {
  running: boolean; profile: string; wanted: number; workers: { pid: number; alive: boolean; ready: boolean }[];
}
export interface ServerStatus { version: string; profile: string | null; events: string }

export class ProvApi {
  constructor(readonly settings: ServerConnection.ISettings) {}

  url(path: string, query: Query = {}): string {
    const url = URLExt.join(this.settings.baseUrl, 'jupyter-prov/api', path);
    const parts = Object.entries(query)
      .filter(([, v]) => v !== undefined && v !== null && v !== '')
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
    return parts.length ? `${url}?${parts.join('&')}` : url;
  }

  async raw(path: string, query: Query = {}, init: RequestInit = {}): Promise<Response> {
    let response: Response;
    try {
      response = await ServerConnection.makeRequest(this.url(path, query), init, this.settings);
    } catch (error) {
      throw new ApiError(0, `the Jupyter server is unreachable (${error})`);
    }
    if (!response.ok) {
      let message = response.statusText || `HTTP ${response.status}`;
      try {
        const data = await response.json();
        if (data && typeof data.message === 'string') message = data.message;
      } catch { /* not JSON: the status text says it */ }
      throw new ApiError(response.status, message);
    }
    return response;
  }

  async get<T = any>(path: string, query: Query = {}): Promise<T> {
    return (await this.raw(path, query)).json();
  }

  async post<T = any>(path: string, body: unknown = {}): Promise<T> {
    return (await this.raw(path, {}, { method: 'POST', body: JSON.stringify(body) })).json();
  }
}

/** The chunks of a `format=binary` graph body (framing: jupyter_prov/server/graph.py). */
export function decodeFramed(body: ArrayBuffer): Chunk[] {
  const view = new DataView(body);
  const chunks: Chunk[] = [];
  const text = new TextDecoder();
  let offset = 0;
  while (offset < body.byteLength) {
    const length = view.getUint32(offset, true);
    offset += 4;
    const header = JSON.parse(text.decode(new Uint8Array(body, offset, length)));
    offset += length;
    const buffers: Uint8Array[] = [];
    for (const size of header.buffer_lengths as number[]) {
      buffers.push(new Uint8Array(body, offset, size));  // a view; the decoder copies a column only if unaligned
      offset += size;
    }
    chunks.push(decodeChunk(header as ChunkHeader, buffers));
  }
  return chunks;
}

/** Where a graph comes from: the served profile, or an archive file of the server's root folder read in place. */
export class GraphSource {
  constructor(readonly api: ProvApi, readonly archive: string | null = null) {}

  private route(identifier: string | number, tail = ''): string {
    const id = encodeURIComponent(String(identifier));
    return (this.archive ? `archives/nodes/${id}` : `nodes/${id}`) + tail;
  }

  private query(extra: Query): Query {
    return this.archive ? { path: this.archive, ...extra } : extra;
  }

  async neighbourhood(identifier: string | number, depth: number, linkTypes: string[] | null = null): Promise<Chunk[]> {
    const response = await this.api.raw(this.route(identifier, '/graph'),
      this.query({ depth, format: 'binary', link_types: linkTypes ? linkTypes.join(',') : null }));
    return decodeFramed(await response.arrayBuffer());
  }

  detail(identifier: string | number): Promise<any> {
    return this.api.get(this.route(identifier), this.query({}));
  }

  search(filters: Query): Promise<Page<NodeSummary>> {
    return this.api.get(this.archive ? 'archives/nodes' : 'nodes', this.query(filters));
  }
}
