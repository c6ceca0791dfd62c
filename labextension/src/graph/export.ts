// Export of what the view shows: SVG (drawn here from the laid-out elements: no external renderer),
// PNG (cytoscape's canvas), and a self-contained HTML file holding the SVG.

export interface DrawnNode {
  id: string; kind: string; label: string; x: number; y: number; width: number; height: number;
  compound: boolean; border: string; fill: string;
}
export interface DrawnEdge { source: string; target: string; linkType: string; color: string; dashed: boolean }

const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' }[c]!));

function clip(from: DrawnNode, to: DrawnNode): [number, number] {
  // the point where the segment from the centre of `from` to `to` leaves `from`'s box
  const dx = to.x - from.x;
  const dy = to.y - from.y;
  if (!dx && !dy) return [from.x, from.y];
  const sx = dx ? from.width / 2 / Math.abs(dx) : Infinity;
  const sy = dy ? from.height / 2 / Math.abs(dy) : Infinity;
  const s = Math.min(sx, sy, 1);
  return [from.x + dx * s, from.y + dy * s];
}

export function toSvg(nodes: DrawnNode[], edges: DrawnEdge[], title = 'provenance graph'): string {
  const margin = 20;
  const xs = nodes.flatMap((n) => [n.x - n.width / 2, n.x + n.width / 2]);
  const ys = nodes.flatMap((n) => [n.y - n.height / 2, n.y + n.height / 2]);
  const minX = Math.min(0, ...xs) - margin;
  const minY = Math.min(0, ...ys) - margin;
  const width = Math.max(...xs, 0) - minX + margin;
  const height = Math.max(...ys, 0) - minY + margin;
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="jprov-export" viewBox="${minX} ${minY} ${width} ${height}" width="${width}" height="${height}" font-family="Helvetica, Arial, sans-serif" font-size="10">`,
    `<title>${escapeXml(title)}</title>`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#566573"/></marker></defs>',
  ];
  for (const n of nodes.filter((n) => n.compound)) {
    out.push(`<g class="node compound kind-${n.kind}" data-id="${escapeXml(n.id)}"><rect x="${n.x - n.width / 2}" y="${n.y - n.height / 2}" width="${n.width}" height="${n.height}" rx="10" fill="${n.fill}" fill-opacity="0.35" stroke="${n.border}"/><text x="${n.x - n.width / 2 + 6}" y="${n.y - n.height / 2 + 12}">${escapeXml(n.label.split('\n')[0])}</text></g>`);
  }
  for (const e of edges) {
    const s = byId.get(e.source);
    const t = byId.get(e.target);
    if (!s || !t) continue;
    const [x1, y1] = clip(s, t);
    const [x2, y2] = clip(t, s);
    out.push(`<line class="edge ${escapeXml(e.linkType)}" x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="${e.color}"${e.dashed ? ' stroke-dasharray="5,3"' : ''} marker-end="url(#arrow)"/>`);
  }
  for (const n of nodes.filter((n) => !n.compound)) {
    const x = n.x - n.width / 2;
    const y = n.y - n.height / 2;
    const shape = n.kind === 'data'
      ? `<ellipse cx="${n.x}" cy="${n.y}" rx="${n.width / 2}" ry="${n.height / 2}" fill="${n.fill}" stroke="${n.border}"/>`
      : `<rect x="${x}" y="${y}" width="${n.width}" height="${n.height}" rx="${n.kind === 'workflow' || n.kind === 'cluster' ? 8 : 0}" fill="${n.fill}" stroke="${n.border}"/>`;
    const lines = n.label.split('\n');
    const text = lines.map((line, i) => `<tspan x="${n.x}" dy="${i === 0 ? -(lines.length - 1) * 6 + 3 : 12}">${escapeXml(line)}</tspan>`).join('');
    out.push(`<g class="node kind-${n.kind}" data-id="${escapeXml(n.id)}">${shape}<text text-anchor="middle" x="${n.x}" y="${n.y}">${text}</text></g>`);
  }
  out.push('</svg>');
  return out.join('\n');
}

export function toHtml(svg: string, title: string): string {
  return `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${escapeXml(title)}</title></head>` +
    `<body style="margin:0">${svg}</body></html>\n`;
}

export function download(name: string, content: Blob | string, type: string): void {
  const blob = typeof content === 'string' ? new Blob([content], { type }) : content;
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
