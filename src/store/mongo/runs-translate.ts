import { runScope, projectColumn } from '../runs/run-scope';
import { isOpenStatus, type RunPage } from '../runs/runs-repository';
import type { Doc, Owner, Scope } from '../types';
import type { IndexSpec } from './indexes';
import type { Filter } from './translate';

/**
 * Pure translation of RunsRepository calls into MongoDB filters, sorts and index hints (no
 * driver here: every shape is unit-tested in test/unit/store/mongo/runs-translate.test.ts).
 * Request values reach a filter only as String()/Number() values compared for equality or range,
 * never as field names or operators.
 */

/** One stored run: the document as JSON text, with the fields the indexes need beside it. */
export interface RunRecord {
  id: string;
  user_id: string;
  project_id: string;
  job_id: string;
  client_id: string;
  status: string;
  /** queued or running: what the agent-lost and queue sweeps look for (`runs_open`). */
  open: boolean;
  created_at: number;
  updated_at: number;
  version: number;
  doc: string;
}

/** Newest first; run_id breaks ties, as in SQLite. */
export const NEWEST_FIRST = { created_at: -1, id: -1 } as const;

/**
 * Indexes of the `runs` collection (same roles as the SQLite ones, runs-sql.ts):
 *  - `runs_id`              lookup by run_id, uniqueness, update's compare-and-set
 *  - `runs_job`             a job's runs newest first
 *  - `runs_scope_created`   a v2 project's runs newest first (and time ranges)
 *  - `runs_scope_status`    ... of one status
 *  - `runs_scope_client`    ... of one client, and every list of a client-limited token
 *  - `runs_user_created`    v1 lists
 *  - `runs_open`            open runs by last write (sweeps)
 *  - `runs_created`         retention by age, and scan() in (created_at, id) order
 */
export function runIndexes(): IndexSpec[] {
  return [
    { fields: { id: 1 }, options: { name: 'runs_id', unique: true } },
    { fields: { job_id: 1, created_at: 1, id: 1 }, options: { name: 'runs_job' } },
    { fields: { user_id: 1, project_id: 1, created_at: 1, id: 1 }, options: { name: 'runs_scope_created' } },
    { fields: { user_id: 1, project_id: 1, status: 1, created_at: 1, id: 1 }, options: { name: 'runs_scope_status' } },
    { fields: { user_id: 1, project_id: 1, client_id: 1, created_at: 1, id: 1 }, options: { name: 'runs_scope_client' } },
    { fields: { user_id: 1, created_at: 1, id: 1 }, options: { name: 'runs_user_created' } },
    { fields: { open: 1, updated_at: 1 }, options: { name: 'runs_open' } },
    { fields: { created_at: 1, id: 1 }, options: { name: 'runs_created' } },
  ];
}

/** The scope as a filter: user, project(s), and a limited token's client. */
export function runScopeFilter(scope: Scope): Filter {
  const s = runScope(scope);
  const filter: Filter = { user_id: s.userId };
  if (s.projects && s.projects.length === 1) filter.project_id = s.projects[0];
  else if (s.projects) filter.project_id = { $in: s.projects };
  if (s.clientId) filter.client_id = s.clientId;
  return filter;
}

export function runIdFilter(scope: Scope, runId: string): Filter {
  return { id: String(runId), ...runScopeFilter(scope) };
}

export interface RunListPlan {
  filter: Filter;
  sort: typeof NEWEST_FIRST;
  hint: string;
  skip: number;
  limit: number;
}

/** A page of a scope's runs; the hint is the index SQLite would walk for the same filter. */
export function runListPlan(scope: Scope, page: RunPage): RunListPlan {
  const filter = runScopeFilter(scope);
  const scoped = runScope(scope);
  if (page.jobId !== undefined) filter.job_id = String(page.jobId);
  if (page.clientId !== undefined) {
    // A limited token asking for another client gets nothing: both must hold.
    filter.client_id = scoped.clientId && scoped.clientId !== String(page.clientId) ? { $in: [] } : String(page.clientId);
  }
  if (page.status !== undefined) filter.status = String(page.status);
  const range: Filter = {};
  if (page.since !== undefined) range.$gte = Number(page.since);
  if (page.until !== undefined) range.$lt = Number(page.until);
  if (Object.keys(range).length) filter.created_at = range;
  const oneProject = scoped.projects !== null && scoped.projects.length === 1;
  const hint =
    page.jobId !== undefined
      ? 'runs_job'
      : !oneProject
        ? 'runs_user_created'
        : page.clientId !== undefined || scoped.clientId
          ? 'runs_scope_client'
          : page.status !== undefined
            ? 'runs_scope_status'
            : 'runs_scope_created';
  return { filter, sort: NEWEST_FIRST, hint, skip: Math.max(0, page.offset), limit: page.limit };
}

/** The record of a new run under the scope's owner. */
export function runRecord(scope: Scope, doc: Doc): RunRecord {
  return { id: String(doc.run_id), user_id: String(scope.userId), project_id: projectColumn(scope), ...runColumns(doc), version: 1 };
}

/** The fields copied from the document on every write. */
export function runColumns(doc: Doc): Pick<RunRecord, 'job_id' | 'client_id' | 'status' | 'open' | 'created_at' | 'updated_at' | 'doc'> {
  return {
    job_id: String(doc.job_id),
    client_id: String(doc.client_id ?? ''),
    status: String(doc.status),
    open: isOpenStatus(doc.status),
    created_at: Number(doc.created_at),
    updated_at: Number(doc.updated_at),
    doc: JSON.stringify(doc),
  };
}

/** The newest open run of a job (`runs_job`). */
export function openRunOfFilter(jobId: string): Filter {
  return { job_id: String(jobId), open: true };
}

/** The run a held progress report may still be written to: open, and last written before it. */
export function progressTargetFilter(runId: string, updatedAt: number): Filter {
  return { id: String(runId), open: true, updated_at: { $lt: Number(updatedAt) } };
}

/** Open runs not written since `updatedBefore` (`runs_open`). */
export function openIdleFilter(updatedBefore: number): Filter {
  return { open: true, updated_at: { $lt: Number(updatedBefore) } };
}

/** Ended runs created before `createdBefore` (`runs_created`). */
export function prunableOlderFilter(createdBefore: number): Filter {
  return { created_at: { $lt: Number(createdBefore) }, open: false };
}

export function ownerOfRun(r: Pick<RunRecord, 'user_id' | 'project_id'>): Owner {
  return { userId: r.user_id, projectId: r.project_id === '' ? null : r.project_id };
}
