import { InvalidParameterError } from '../errors';
import { parseSearch } from '../search';
import type { ListQuery } from '../store/types';

const DEFAULT_LIMIT = 10;

/**
 * limit/offset as the reference reads them (spec A.5.1): absent, blank or 0 means the default
 * page of 10; a negative limit means no limit (also with a search body, where the reference
 * returns nothing); a negative offset is 0; anything not an integer is a 400.
 */
export function parseListQuery(params: { limit?: unknown; offset?: unknown }, body: unknown): ListQuery {
  const limit = integerParam('limit', params.limit);
  const offset = integerParam('offset', params.offset);
  return {
    limit: limit === 0 ? DEFAULT_LIMIT : limit < 0 ? null : limit,
    offset: Math.max(0, offset),
    search: parseSearch(body),
  };
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
