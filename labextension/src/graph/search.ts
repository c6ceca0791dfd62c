// Search/filter of the loaded nodes: words match the label, class or type, a pk or a uuid prefix;
// `type:int`, `pk:12`, `uuid:3f2a`, `label:relax`, `state:running`, `after:2026-01-31`, `before:...`.

import { NodeRecord } from './columnar';
import { className } from './aggregate';

export type Matcher = (node: NodeRecord) => boolean;

export function parseQuery(text: string): Matcher | null {
  const tokens = text.trim().split(/\s+/).filter(Boolean);
  if (!tokens.length) return null;
  const tests: Matcher[] = tokens.map((token) => {
    const colon = token.indexOf(':');
    const key = colon > 0 ? token.slice(0, colon).toLowerCase() : '';
    const value = (colon > 0 ? token.slice(colon + 1) : token).toLowerCase();
    switch (key) {
      case 'type':
        return (n) => n.nodeType.toLowerCase().includes(value) || className(n.nodeType).toLowerCase() === value;
      case 'pk':
        return (n) => String(n.pk) === value;
      case 'uuid':
        return (n) => n.uuid.startsWith(value);
      case 'label':
        return (n) => n.label.toLowerCase().includes(value);
      case 'state':
        return (n) => (n.state ?? '') === value;
      case 'after':
      case 'before': {
        const t = Date.parse(value) / 1000;
        if (Number.isNaN(t)) return () => false;
        return key === 'after' ? (n) => n.ctime >= t : (n) => n.ctime < t;
      }
      default:
        return (n) =>
          n.label.toLowerCase().includes(value) || className(n.nodeType).toLowerCase().includes(value) ||
          String(n.pk) === value || (value.length >= 4 && n.uuid.startsWith(value));
    }
  });
  return (n) => tests.every((t) => t(n));
}
