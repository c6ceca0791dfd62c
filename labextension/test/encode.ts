// A test-only encoder of the chunk format (the inverse of decodeChunk), as views/graph.py writes it.
import { BUFFER_ORDER, ChunkHeader, KINDS, LinkRecord, NodeRecord, STATES } from '../src/graph/columnar';

export function encodeChunk(nodes: NodeRecord[], links: LinkRecord[], header: Partial<ChunkHeader> = {}): { header: ChunkHeader; buffers: ArrayBuffer[] } {
  const strings = new Map<string, number>([['', 0]]);
  const index = (s: string) => { if (!strings.has(s)) strings.set(s, strings.size); return strings.get(s)!; };
  const u32 = (values: number[]) => new Uint32Array(values).buffer;
  const uuid = new Uint8Array(16 * nodes.length);
  nodes.forEach((n, i) => {
    const hex = n.uuid.replace(/-/g, '');
    for (let k = 0; k < 16; k++) uuid[16 * i + k] = parseInt(hex.slice(2 * k, 2 * k + 2), 16);
  });
  const cols: Record<string, ArrayBuffer> = {
    'nodes.pk': u32(nodes.map((n) => n.pk)),
    'nodes.kind': new Uint8Array(nodes.map((n) => KINDS.indexOf(n.kind))).buffer,
    'nodes.state': new Uint8Array(nodes.map((n) => STATES.indexOf(n.state))).buffer,
    'nodes.exit_status': new Int32Array(nodes.map((n) => n.exitStatus ?? -1)).buffer,
    'nodes.caller': u32(nodes.map((n) => n.caller ?? 0)),
    'nodes.ctime': new Float64Array(nodes.map((n) => n.ctime)).buffer,
    'nodes.in_degree': u32(nodes.map((n) => n.inDegree)),
    'nodes.out_degree': u32(nodes.map((n) => n.outDegree)),
    'nodes.uuid': uuid.buffer,
    'nodes.type': u32(nodes.map((n) => index(n.nodeType))),
    'nodes.label': u32(nodes.map((n) => index(n.label))),
    'links.source': u32(links.map((l) => l.source)),
    'links.target': u32(links.map((l) => l.target)),
    'links.link_type': u32(links.map((l) => index(l.linkType))),
    'links.link_label': u32(links.map((l) => index(l.linkLabel))),
  };
  const encoder = new TextEncoder();
  const parts = [...strings.keys()].map((s) => encoder.encode(s));
  const offsets = [0];
  for (const p of parts) offsets.push(offsets[offsets.length - 1] + p.length);
  const utf8 = new Uint8Array(offsets[offsets.length - 1]);
  parts.forEach((p, i) => utf8.set(p, offsets[i]));
  cols['strings.offsets'] = u32(offsets);
  cols['strings.utf8'] = utf8.buffer;
  const full: ChunkHeader = { type: 'chunk', kind: 'snapshot', version: 0, part: 0, parts: 1, nodes: nodes.length,
    links: links.length, buffers: [...BUFFER_ORDER], ...header };
  return { header: full, buffers: BUFFER_ORDER.map((name) => cols[name]) };
}

let uuidCounter = 0;
export function node(pk: number, kind: NodeRecord['kind'], extra: Partial<NodeRecord> = {}): NodeRecord {
  uuidCounter++;
  const hex = (pk * 7919 + uuidCounter).toString(16).padStart(32, '0');
  const uuid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  const types: Record<string, string> = { data: 'data.int', calculation: 'process.calculation.calcfunction',
    calcjob: 'process.calculation.calcjob', workflow: 'process.workflow.workchain', cell: 'process.cell',
    process: 'process', node: 'node' };
  return { pk, uuid, nodeType: types[kind], kind, label: `n${pk}`, ctime: 1_700_000_000 + pk, state: kind === 'data' ? null : 'finished',
    exitStatus: kind === 'data' ? null : 0, caller: null, inDegree: 0, outDegree: 0, ...extra };
}

export const link = (source: number, target: number, linkType: string, linkLabel = ''): LinkRecord => ({ source, target, linkType, linkLabel });
