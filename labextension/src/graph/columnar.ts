// Decoder of the binary columnar chunks that jupyter_prov/views/graph.py encodes
// (docs/reference/widget-protocol.md is the contract: column names, dtypes, order).

export const KINDS = ['data', 'calculation', 'calcjob', 'workflow', 'cell', 'process', 'node'] as const;
export type Kind = (typeof KINDS)[number];
export const STATES = [null, 'created', 'waiting', 'running', 'finished', 'excepted', 'killed'] as const;
export type State = (typeof STATES)[number];

export const BUFFER_ORDER = [
  'nodes.pk', 'nodes.kind', 'nodes.state', 'nodes.exit_status', 'nodes.caller', 'nodes.ctime',
  'nodes.in_degree', 'nodes.out_degree', 'nodes.uuid', 'nodes.type', 'nodes.label',
  'links.source', 'links.target', 'links.link_type', 'links.link_label',
  'strings.offsets', 'strings.utf8',
] as const;

export interface NodeRecord {
  pk: number;
  uuid: string;
  nodeType: string;
  kind: Kind;
  label: string;
  ctime: number;
  state: State;
  exitStatus: number | null;
  caller: number | null;
  inDegree: number;
  outDegree: number;
}

export interface LinkRecord {
  source: number;
  target: number;
  linkType: string;
  linkLabel: string;
}

export interface ChunkHeader {
  type: 'chunk';
  kind: 'snapshot' | 'delta';
  version: number;
  part: number;
  parts: number;
  nodes: number;
  links: number;
  buffers: string[];
}

export interface Chunk {
  header: ChunkHeader;
  nodes: NodeRecord[];
  links: LinkRecord[];
}

type Bufferish = ArrayBuffer | ArrayBufferView;

function bytesOf(buffer: Bufferish): Uint8Array {
  if (buffer instanceof ArrayBuffer) return new Uint8Array(buffer);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

// A typed view of a little-endian column; copies only when the buffer is not aligned for the type.
function column<T extends Uint32Array | Int32Array | Float64Array>(
  buffer: Bufferish,
  Type: { new (b: ArrayBuffer, o: number, n: number): T; BYTES_PER_ELEMENT: number },
): T {
  const bytes = bytesOf(buffer);
  const size = Type.BYTES_PER_ELEMENT;
  if (bytes.byteLength % size !== 0) throw new Error(`column of ${bytes.byteLength} bytes is not a multiple of ${size}`);
  if (bytes.byteOffset % size === 0) return new Type(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength / size);
  const copy = bytes.slice();
  return new Type(copy.buffer as ArrayBuffer, 0, copy.byteLength / size);
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function uuidAt(bytes: Uint8Array, i: number): string {
  let s = '';
  for (let k = 0; k < 16; k++) {
    s += HEX[bytes[16 * i + k]];
    if (k === 3 || k === 5 || k === 7 || k === 9) s += '-';
  }
  return s;
}

export function decodeStrings(offsetsBuffer: Bufferish, utf8Buffer: Bufferish): string[] {
  const offsets = column(offsetsBuffer, Uint32Array);
  const utf8 = bytesOf(utf8Buffer);
  const decoder = new TextDecoder();
  const out: string[] = new Array(Math.max(0, offsets.length - 1));
  for (let i = 0; i + 1 < offsets.length; i++) out[i] = decoder.decode(utf8.subarray(offsets[i], offsets[i + 1]));
  return out;
}

/** One chunk (header + its buffers in the header's order) as records. */
export function decodeChunk(header: ChunkHeader, buffers: Bufferish[]): Chunk {
  const names = header.buffers ?? BUFFER_ORDER;
  if (buffers.length !== names.length) {
    throw new Error(`chunk ${header.version}.${header.part} has ${buffers.length} buffers, expected ${names.length}`);
  }
  const named: Record<string, Bufferish> = {};
  names.forEach((name, i) => (named[name] = buffers[i]));
  for (const name of BUFFER_ORDER) if (!(name in named)) throw new Error(`chunk lacks the column ${name}`);
  const strings = decodeStrings(named['strings.offsets'], named['strings.utf8']);
  const pk = column(named['nodes.pk'], Uint32Array);
  const kind = bytesOf(named['nodes.kind']);
  const state = bytesOf(named['nodes.state']);
  const exit = column(named['nodes.exit_status'], Int32Array);
  const caller = column(named['nodes.caller'], Uint32Array);
  const ctime = column(named['nodes.ctime'], Float64Array);
  const inDeg = column(named['nodes.in_degree'], Uint32Array);
  const outDeg = column(named['nodes.out_degree'], Uint32Array);
  const uuid = bytesOf(named['nodes.uuid']);
  const type = column(named['nodes.type'], Uint32Array);
  const label = column(named['nodes.label'], Uint32Array);
  const n = pk.length;
  for (const [name, length] of [['kind', kind.length], ['state', state.length], ['uuid', uuid.length / 16],
    ['label', label.length], ['type', type.length]] as const) {
    if (length !== n) throw new Error(`column nodes.${name} has ${length} rows, nodes.pk ${n}`);
  }
  if (header.nodes !== undefined && header.nodes !== n) throw new Error(`header says ${header.nodes} nodes, columns hold ${n}`);
  const nodes: NodeRecord[] = new Array(n);
  for (let i = 0; i < n; i++) {
    nodes[i] = {
      pk: pk[i], uuid: uuidAt(uuid, i), nodeType: strings[type[i]], kind: KINDS[kind[i]] ?? 'node',
      label: strings[label[i]], ctime: ctime[i], state: STATES[state[i]] ?? null,
      exitStatus: exit[i] === -1 ? null : exit[i], caller: caller[i] || null, inDegree: inDeg[i], outDegree: outDeg[i],
    };
  }
  const src = column(named['links.source'], Uint32Array);
  const dst = column(named['links.target'], Uint32Array);
  const ltype = column(named['links.link_type'], Uint32Array);
  const llabel = column(named['links.link_label'], Uint32Array);
  const links: LinkRecord[] = new Array(src.length);
  for (let i = 0; i < src.length; i++) {
    links[i] = { source: src[i], target: dst[i], linkType: strings[ltype[i]], linkLabel: strings[llabel[i]] };
  }
  return { header, nodes, links };
}
