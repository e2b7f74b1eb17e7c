import type { ClientFreshness, ClientFreshnessQuery, JobFreshness, JobFreshnessQuery, RecordOwner } from '../freshness-types';
import type { Scope } from '../types';
import type { IndexSpec } from './indexes';
import { scopeFilter, V1_PROJECT, type Filter } from './translate';

/**
 * Pure translation of freshness calls into MongoDB records, filters and sorts (the adapter,
 * mongo-freshness.ts, only runs them). User input reaches a filter only as a string compared for
 * equality or a boolean; index names refer to freshnessJobIndexes / freshnessClientIndexes.
 */

/** The stored record of a job's freshness: the fields lists and the sweep filter on, and the record as JSON. */
export interface FreshnessJobRecord {
  job_id: string;
  user_id: string;
  project_id: string;
  client_id: string;
  stale: boolean;
  stale_at: number | null;
  version: number;
  doc: string;
}

export interface FreshnessClientRecord {
  user_id: string;
  project_id: string;
  client_id: string;
  silent: boolean;
  last_seen_at: number | null;
  version: number;
  doc: string;
}

export const JOB_ORDER = { job_id: 1 } as const;
export const CLIENT_ORDER = { client_id: 1 } as const;

export function jobRecordOf(r: JobFreshness, version: number): FreshnessJobRecord {
  return {
    job_id: String(r.job_id),
    user_id: String(r.user_id),
    project_id: r.project_id === null ? V1_PROJECT : String(r.project_id),
    client_id: r.client_id === null ? '' : String(r.client_id),
    stale: r.stale === true,
    stale_at: typeof r.stale_at === 'number' ? r.stale_at : null,
    version,
    doc: JSON.stringify(r),
  };
}

export function clientRecordOf(r: ClientFreshness, version: number): FreshnessClientRecord {
  return {
    user_id: String(r.user_id),
    project_id: r.project_id === null ? V1_PROJECT : String(r.project_id),
    client_id: String(r.client_id),
    silent: r.silent === true,
    last_seen_at: typeof r.last_seen_at === 'number' ? r.last_seen_at : null,
    version,
    doc: JSON.stringify(r),
  };
}

/** One job's record: `job_id_unique`. */
export function jobIdFilter(jobId: string): Filter {
  return { job_id: String(jobId) };
}

/**
 * A tenant's job records (`scope_job` / `scope_stale_job` / `scope_client_job`, v1 `user_job`),
 * with the list's filters; a client-limited scope sees its own client only.
 */
export function jobListFilter(scope: Scope, query: Pick<JobFreshnessQuery, 'stale' | 'clientId'>): Filter {
  const filter: Filter = { ...scopeFilter(scope) };
  if (query.stale !== undefined) filter.stale = query.stale === true;
  const clientIds = [scope.clientId, query.clientId].filter((c): c is string => typeof c === 'string');
  if (clientIds.length) filter.client_id = clientIds.every((c) => c === clientIds[0]) ? String(clientIds[0]) : { $in: [] };
  return filter;
}

/** Not stale, deadline passed: `due` (partial on stale false). */
export function dueJobsFilter(now: number): Filter {
  return { stale: false, stale_at: { $ne: null, $lte: Number(now) } };
}

/** One client's record: `client_unique`. */
export function clientKeyFilter(owner: RecordOwner, clientId: string): Filter {
  return { user_id: String(owner.userId), project_id: owner.projectId === null ? V1_PROJECT : String(owner.projectId), client_id: String(clientId) };
}

export function clientListFilter(scope: Scope, query: Pick<ClientFreshnessQuery, 'silent'>): Filter {
  const filter: Filter = { ...scopeFilter(scope) };
  if (query.silent !== undefined) filter.silent = query.silent === true;
  if (typeof scope.clientId === 'string') filter.client_id = String(scope.clientId);
  return filter;
}

/** Not silent, last seen at or before the cutoff: `due` (partial on silent false). */
export function dueClientsFilter(cutoff: number): Filter {
  return { silent: false, last_seen_at: { $ne: null, $lte: Number(cutoff) } };
}

/**
 * The backfill marker: a client record of an owner no identity has (user ids are never empty),
 * so no list, lookup or sweep ever sees it.
 */
/** A page of seen clients after the `_id` given (null: the first page); the backfill marker is never seen. */
export function seenClientsPageFilter(after: unknown): Filter {
  return after === null ? { last_seen_at: { $ne: null } } : { last_seen_at: { $ne: null }, _id: { $gt: after } };
}

export const BACKFILL_MARKER: Filter = { user_id: '', project_id: '', client_id: 'freshness_backfilled' };

/** skip/limit; null when the page is certainly empty (limit 0 would mean "no limit" to MongoDB). */
export function freshnessPage(query: { limit: number; offset: number }): { skip: number; limit: number } | null {
  return query.limit <= 0 ? null : { skip: Math.max(0, query.offset), limit: query.limit };
}

export function freshnessJobIndexes(): IndexSpec[] {
  return [
    { fields: { job_id: 1 }, options: { name: 'job_id_unique', unique: true } },
    { fields: { user_id: 1, project_id: 1, job_id: 1 }, options: { name: 'scope_job' } },
    { fields: { user_id: 1, project_id: 1, stale: 1, job_id: 1 }, options: { name: 'scope_stale_job' } },
    { fields: { user_id: 1, project_id: 1, client_id: 1, job_id: 1 }, options: { name: 'scope_client_job' } },
    { fields: { user_id: 1, job_id: 1 }, options: { name: 'user_job' } },
    { fields: { stale_at: 1 }, options: { name: 'due', partialFilterExpression: { stale: false } } },
  ];
}

export function freshnessClientIndexes(): IndexSpec[] {
  return [
    { fields: { user_id: 1, project_id: 1, client_id: 1 }, options: { name: 'client_unique', unique: true } },
    { fields: { user_id: 1, project_id: 1, silent: 1, client_id: 1 }, options: { name: 'scope_silent_client' } },
    { fields: { user_id: 1, client_id: 1 }, options: { name: 'user_client' } },
    { fields: { last_seen_at: 1 }, options: { name: 'due', partialFilterExpression: { silent: false } } },
  ];
}
