import type { DocumentLimits } from '../config/config';

export type LimitName = keyof DocumentLimits;

/**
 * Checks JSON text against the limits in one pass, before JSON.parse: parsing, walking and
 * indexing a document cost in proportion to its keys, depth and sizes, so a body past any limit
 * is refused before that work starts (JSON.parse of 200,000 keys alone blocks the event loop for
 * a quarter of a second). Returns the first limit exceeded, or null. The text need not be valid
 * JSON (JSON.parse reports that afterwards); only its containers, keys and strings are counted.
 * Strings are measured as sent (an escape such as \u00e9 counts its six characters).
 */
export function scanJsonText(text: string, limits: DocumentLimits): LimitName | null {
  let keys = 0;
  // One entry per open container: -1 for an object, the number of commas so far for an array.
  const open: number[] = [];
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const end = closingQuote(text, i + 1);
      if (end - i - 1 > limits.max_string_length) return 'max_string_length';
      i = end;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (open.length >= limits.max_depth) return 'max_depth';
      open.push(c === 0x7b ? -1 : 0);
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      open.pop();
    } else if (c === 0x3a /* : */) {
      if (++keys > limits.max_keys) return 'max_keys';
    } else if (c === 0x2c /* , */ && open.length > 0) {
      const top = open[open.length - 1];
      if (top >= 0) {
        // n commas separate n + 1 items.
        if (top + 2 > limits.max_array_items) return 'max_array_items';
        open[open.length - 1] = top + 1;
      }
    }
  }
  return null;
}

/** The index of the quote closing a string whose content starts at `from` (or the text's end). */
function closingQuote(text: string, from: number): number {
  for (let at = text.indexOf('"', from); ; at = text.indexOf('"', at + 1)) {
    if (at < 0) return text.length;
    let backslashes = 0;
    while (text.charCodeAt(at - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return at;
  }
}

/**
 * The same limits on a value already in memory (a document about to be stored); an iterative
 * walk, so no document can overflow the stack. Returns the first limit exceeded, or null.
 */
export function measureValue(value: unknown, limits: DocumentLimits): LimitName | null {
  const maxKeys = limits.max_keys;
  const maxDepth = limits.max_depth;
  const maxString = limits.max_string_length;
  const maxItems = limits.max_array_items;
  let keys = 0;
  // Containers still to visit, and the depth of each (two stacks: no allocation per node).
  const nodes: object[] = [];
  const depths: number[] = [];
  const visit = (child: unknown, depth: number): LimitName | null => {
    if (typeof child === 'string') return child.length > maxString ? 'max_string_length' : null;
    if (typeof child !== 'object' || child === null) return null;
    if (depth > maxDepth) return 'max_depth';
    nodes.push(child);
    depths.push(depth);
    return null;
  };
  let exceeded = visit(value, 1);
  while (!exceeded && nodes.length > 0) {
    const node = nodes.pop() as Record<string, unknown>;
    const depth = (depths.pop() as number) + 1;
    if (Array.isArray(node)) {
      if (node.length > maxItems) return 'max_array_items';
      for (let i = 0; i < node.length && !exceeded; i++) exceeded = visit(node[i], depth);
      continue;
    }
    for (const key in node) {
      if (!Object.hasOwn(node, key)) continue;
      if (++keys > maxKeys) return 'max_keys';
      if (key.length > maxString) return 'max_string_length';
      exceeded = visit(node[key], depth);
      if (exceeded) break;
    }
  }
  return exceeded;
}

/** The setting and environment variable behind each limit, for messages that say what to change. */
export const LIMIT_SETTINGS: Readonly<Record<LimitName, { what: (max: number) => string; env: string }>> = {
  max_keys: { what: (max) => `more than ${max} object keys`, env: 'PERMAFROST_MAX_KEYS' },
  max_depth: { what: (max) => `nesting deeper than ${max} levels`, env: 'PERMAFROST_MAX_DEPTH' },
  max_string_length: { what: (max) => `a string longer than ${max} characters`, env: 'PERMAFROST_MAX_STRING_LENGTH' },
  max_array_items: { what: (max) => `an array of more than ${max} items`, env: 'PERMAFROST_MAX_ARRAY_ITEMS' },
};
