import { createHash } from 'node:crypto';
import { BadRequestError } from '../errors';

/**
 * Freezer's search (spec A.5.2): `{"match":[{k:v}], "match_not":[{k:v}]}` where k is a property
 * NAME found anywhere in the document and v must equal its value exactly (type-sensitive, deep).
 * Stores make it indexable by keeping, per document, one term per key (`docTerms`), so a
 * condition becomes an exact term lookup.
 */
export type Condition = { key: string; value: unknown };
export interface Search {
  match: Condition[];
  matchNot: Condition[];
}

/**
 * Normalises a list request body into a Search, or null for "no filter". Each key of a list
 * element is one condition (`{}` adds none). The `_all` form replaces the whole search with the
 * JSON list in its string, or with no filter when that string is not a JSON list.
 * Shape errors are 400s (the reference answers 500).
 */
export function parseSearch(body: unknown): Search | null {
  if (body === undefined || body === null) return null;
  if (!isObject(body)) throw new BadRequestError('The search body must be a JSON object');
  const match = conditions(body.match, 'match');
  const first = Array.isArray(body.match) ? body.match[0] : undefined;
  if (isObject(first) && '_all' in first) return allSearch(first._all);
  const matchNot = conditions(body.match_not, 'match_not');
  return match.length || matchNot.length ? { match, matchNot } : null;
}

function allSearch(value: unknown): Search | null {
  if (typeof value !== 'string') return null;
  let list: unknown;
  try {
    list = JSON.parse(value);
  } catch {
    return null;
  }
  if (!Array.isArray(list) || !list.every(isObject)) return null;
  const match = conditions(list, '_all');
  return match.length ? { match, matchNot: [] } : null;
}

function conditions(list: unknown, name: string): Condition[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new BadRequestError(`'${name}' must be a list of objects`);
  return list.flatMap((el) => {
    if (!isObject(el)) throw new BadRequestError(`'${name}' must be a list of objects`);
    return Object.entries(el).map(([key, value]) => ({ key, value }));
  });
}

/**
 * The value the reference's walk finds for every key name in the document, in one pass. For a
 * key K the reference walks depth-first in key order, records a K property's value without
 * descending into it, descends into objects and into the object elements of arrays, and lets a
 * later find win. So a property counts for its name unless an ancestor property has the same
 * name; visiting in pre-order makes "last write wins" equal to "last found".
 */
export function leafValues(doc: unknown): Map<string, unknown> {
  const found = new Map<string, unknown>();
  const ancestors: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const el of node) if (isObject(el)) visit(el);
      return;
    }
    if (!isObject(node)) return;
    for (const [key, value] of Object.entries(node)) {
      if (!ancestors.includes(key)) found.set(key, value);
      if (typeof value === 'object' && value !== null) {
        ancestors.push(key);
        visit(value);
        ancestors.pop();
      }
    }
  };
  visit(doc);
  return found;
}

/** Longer canonical values are replaced by a digest so index rows stay small. */
const MAX_INLINE = 96;

/**
 * An exact, canonical term for key=value: two values are equal under the search rules iff their
 * terms are. `\u0000` separates key and value, so all terms of one key share a prefix.
 */
export function termOf(key: string, value: unknown): string {
  const text = canonical(value);
  if (text.length <= MAX_INLINE) return `${key}\u0000${text}`;
  return `${key}\u0000#${createHash('sha256').update(text).digest('base64url')}`;
}

export function docTerms(doc: unknown): string[] {
  return [...leafValues(doc)].map(([k, v]) => termOf(k, v));
}

/** The semantics themselves, for stores that filter in memory and as the tests' oracle. */
export function matches(doc: unknown, search: Search): boolean {
  const found = leafValues(doc);
  const same = (c: Condition) => canonical(found.get(c.key) ?? null) === canonical(c.value);
  return search.match.every(same) && !search.matchNot.some(same);
}

/** JSON with object keys sorted: deep equality regardless of key order, numbers by value. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
