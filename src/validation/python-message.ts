import type { ErrorObject } from 'ajv';
import { ownValue } from '../own-property';

/**
 * Renders ajv errors the way Python's jsonschema words them (spec A.4.8), because Freezer puts
 * that text in its 400 descriptions and tests of stock behaviour compare it.
 */
export function pythonMessage(errors: ErrorObject[], data: unknown): string {
  const best = bestErrors(errors);
  const first = best[0];
  switch (first.keyword) {
    case 'required':
      return `${pyRepr(first.params.missingProperty)} is a required property`;
    case 'additionalProperties': {
      const extra = best.filter((e) => e.keyword === 'additionalProperties').map((e) => pyRepr(e.params.additionalProperty));
      return `Additional properties are not allowed (${extra.join(', ')} ${extra.length === 1 ? 'was' : 'were'} unexpected)`;
    }
    case 'pattern':
      return `${pyRepr(valueAt(data, first.instancePath))} does not match ${pyRepr(first.params.pattern)}`;
    case 'type': {
      const types = String(first.params.type).split(',');
      return `${pyRepr(valueAt(data, first.instancePath))} is not of type ${types.map(pyRepr).join(', ')}`;
    }
    case 'enum':
      return `${pyRepr(valueAt(data, first.instancePath))} is not one of ${pyRepr(first.params.allowedValues)}`;
    default:
      return `${pyRepr(valueAt(data, first.instancePath))} ${first.message ?? 'is not valid'}`;
  }
}

/** At equal depth Python reports the object's own checks in this order (its schema key order). */
const KEYWORD_RANK: Record<string, number> = { type: 0, enum: 1, pattern: 2, additionalProperties: 3, required: 4 };

/**
 * Python's best_match: the shallowest error wins; among the errors of that depth, those of the
 * first object reported, by keyword order. Returned as the list of errors at that place, so that
 * several unexpected keys can be named together.
 */
function bestErrors(errors: ErrorObject[]): ErrorObject[] {
  const depth = (e: ErrorObject) => (e.instancePath === '' ? 0 : e.instancePath.split('/').length - 1);
  const minDepth = Math.min(...errors.map(depth));
  const shallow = errors.filter((e) => depth(e) === minDepth);
  const samePlace = shallow.filter((e) => e.instancePath === shallow[0].instancePath);
  const rank = (e: ErrorObject) => KEYWORD_RANK[e.keyword] ?? 5;
  const top = Math.min(...samePlace.map(rank));
  return samePlace.filter((e) => rank(e) === top);
}

function valueAt(data: unknown, pointer: string): unknown {
  if (pointer === '') return data;
  let node = data;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    node = node !== null && typeof node === 'object' ? ownValue(node, key) : undefined;
  }
  return node;
}

/** Python's repr() of a JSON value: 'str', None, True, 1.5, [1, 'a'], {'k': 'v'}. */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return pyNumber(value);
  if (typeof value === 'string') return pyString(value);
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${pyString(k)}: ${pyRepr(v)}`)
      .join(', ')}}`;
  }
  return String(value);
}

function pyNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e16) return String(n);
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : n < 0 ? '-inf' : 'nan';
  return String(n).replace(/e\+?(-?)(\d)$/, 'e$1$2').replace(/e(-?)(\d)$/, 'e$10$2').replace('e0', 'e+0');
}

function pyString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = '';
  for (const ch of s) {
    const code = ch.codePointAt(0) as number;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${quote}${out}${quote}`;
}
