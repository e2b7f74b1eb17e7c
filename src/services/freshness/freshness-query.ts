import { BadRequestError } from '../../errors';
import type { ClientFreshnessQuery, JobFreshnessQuery } from '../../store/freshness-types';
import type { Validator } from '../../validation';

export const DEFAULT_FRESHNESS_LIMIT = 10;
export const MAX_FRESHNESS_LIMIT = 1000;

type Params = Record<string, unknown>;

/**
 * GET /freshness/jobs parameters (schemas/freshness_jobs_query.json): a bad value is a 400 naming
 * its parameter; an unknown or repeated parameter a 400 from the schema naming it.
 */
export function parseJobFreshnessQuery(params: Params, validator: Validator): JobFreshnessQuery {
  const query: JobFreshnessQuery = { ...page(params), ...flag(params, 'stale') };
  if (typeof params.client_id === 'string') {
    if (params.client_id === '' || params.client_id.length > 255) throw bad('client_id', 'a client_id of 1 to 255 characters');
    query.clientId = params.client_id;
  }
  validator.assert('freshness_jobs_query', params);
  return query;
}

/** GET /freshness/clients parameters (schemas/freshness_clients_query.json). */
export function parseClientFreshnessQuery(params: Params, validator: Validator): ClientFreshnessQuery {
  const query: ClientFreshnessQuery = { ...page(params), ...flag(params, 'silent') };
  validator.assert('freshness_clients_query', params);
  return query;
}

function page(params: Params): { limit: number; offset: number } {
  return {
    limit: integer(params, 'limit', DEFAULT_FRESHNESS_LIMIT, 1, MAX_FRESHNESS_LIMIT),
    offset: integer(params, 'offset', 0, 0, 999_999_999),
  };
}

function flag<K extends string>(params: Params, name: K): Partial<Record<K, boolean>> {
  const v = params[name];
  if (v === undefined || Array.isArray(v)) return {};
  if (v !== 'true' && v !== 'false') throw bad(name, 'true or false');
  return { [name]: v === 'true' } as Partial<Record<K, boolean>>;
}

function integer(params: Params, name: string, fallback: number, min: number, max: number): number {
  const v = params[name];
  if (v === undefined || Array.isArray(v)) return fallback;
  const text = String(v).trim();
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) throw bad(name, `a whole number from ${min} to ${max}`);
  return n;
}

function bad(name: string, what: string): BadRequestError {
  return new BadRequestError(`The query parameter '${name}' must be ${what}`);
}
