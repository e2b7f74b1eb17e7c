import { BadRequestError } from '../errors';
import { isObject } from './is-object';
import type { Condition, Search } from './types';

/**
 * Normalises a list request body into a Search, or null when it means "no filter" (spec A.5.2).
 *
 * Decisions, checked against the reference's sqlalchemy code (which loops over `m.items()` for
 * every element `m` and rejects the document on the first failing pair):
 *  - An element with several keys is several conditions, all of which must hold (`match`) or
 *    none of which may hold (`match_not`): `{"a":1,"b":2}` means the same as `{"a":1},{"b":2}`.
 *  - An element `{}` adds no condition; a search made only of such elements is no filter.
 *  - What the reference reads as empty (Python-falsy: null, false, 0, "", [], {}) is empty here
 *    too, as a body or as `match`/`match_not`: it answered those without a filter, not a 500.
 *  - Shape errors the reference answers with 500 (a body that is not an object, `match` or
 *    `match_not` that is not a list, an element that is not an object) are 400s [REC].
 *  - `_all`: when the first `match` element has an `_all` key, its value must be a string with
 *    a JSON list of objects, which becomes the whole search; the other `match` elements and
 *    `match_not` are discarded unchecked, as the reference never looks at them. A value that is
 *    not a string, not JSON or not a list means no filter at all [REF]; a list whose elements are
 *    not objects is a shape error like any other.
 */
export function parseSearch(body: unknown): Search | null {
  if (isEmpty(body)) return null;
  if (!isObject(body)) {
    throw new BadRequestError('The search body must be a JSON object: {"match": [{"<key>": <value>}], "match_not": [...]}');
  }
  const match = listOf(body.match, 'match');
  const first = match[0];
  if (isObject(first) && Object.hasOwn(first, '_all')) return allSearch(first._all);
  return searchOf(conditionsOf(match, 'match'), conditionsOf(listOf(body.match_not, 'match_not'), 'match_not'));
}

/** The `_all` form: a JSON list string replaces the whole search; anything unreadable is no filter. */
function allSearch(value: unknown): Search | null {
  if (typeof value !== 'string') return null;
  let list: unknown;
  try {
    list = JSON.parse(value);
  } catch {
    return null;
  }
  if (!Array.isArray(list)) return null;
  return searchOf(conditionsOf(list, '_all'), []);
}

function searchOf(match: Condition[], matchNot: Condition[]): Search | null {
  return match.length || matchNot.length ? { match, matchNot } : null;
}

function listOf(value: unknown, name: string): unknown[] {
  if (isEmpty(value)) return [];
  if (!Array.isArray(value)) throw new BadRequestError(`"${name}" must be a list of objects such as [{"<key>": <value>}]`);
  return value;
}

function conditionsOf(list: unknown[], name: string): Condition[] {
  return list.flatMap((element) => {
    if (!isObject(element)) {
      throw new BadRequestError(`Every element of "${name}" must be an object such as {"<key>": <value>}`);
    }
    return Object.entries(element).map(([key, value]) => ({ key, value: asJson(value) }));
  });
}

/**
 * The value as it reads after a JSON round trip. Documents are compared as the API returns them,
 * i.e. as JSON text, where a number too large for a double (JSON.parse gives Infinity) is null;
 * normalising here means a store may take `value === null` as "compares with a missing key".
 */
function asJson(value: unknown): unknown {
  const text = JSON.stringify(value);
  return text === undefined ? null : JSON.parse(text);
}

/** Python's `not x`, which is how the reference decides that a body or a list is absent. */
function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  return isObject(value) && Object.keys(value).length === 0;
}
