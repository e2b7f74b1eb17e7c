import { BadRequestError, InvalidParameterError } from '../errors';
import { parseSearch } from '../search';
import type { ListQuery } from '../store/types';

const DEFAULT_LIMIT = 10;
/**
 * Each condition becomes a term lookup in one query; real searches have a handful. The cap
 * keeps a hostile search from building a query the database refuses (or a huge plan).
 */
export const MAX_SEARCH_CONDITIONS = 64;

/**
 * limit/offset as the reference reads them (spec A.5.1): absent, blank or 0 means the default
 * page of 10; a negative limit means no limit (also with a search body, where the reference
 * returns nothing); a negative offset is 0; anything not an integer is a 400.
 */
export function parseListQuery(params: { limit?: unknown; offset?: unknown }, body: unknown): ListQuery {
  const limit = integerParam('limit', params.limit);
  const offset = integerParam('offset', params.offset);
  const search = parseSearch(body);
  if (search && search.match.length + search.matchNot.length > MAX_SEARCH_CONDITIONS) {
    throw new BadRequestError(`A search may have at most ${MAX_SEARCH_CONDITIONS} conditions`);
  }
  return { limit: limit === 0 ? DEFAULT_LIMIT : limit < 0 ? null : limit, offset: Math.max(0, offset), search };
}

function integerParam(name: string, raw: unknown): number {
  const text = Array.isArray(raw) ? raw[raw.length - 1] : raw;
  if (text === undefined || text === null || String(text).trim() === '') return 0;
  const trimmed = String(text).trim();
  if (!/^[+-]?\d+$/.test(trimmed)) throw new InvalidParameterError(name);
  const n = Number(trimmed);
  if (!Number.isSafeInteger(n)) throw new InvalidParameterError(name);
  return n;
}
