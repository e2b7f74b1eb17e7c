import type { Doc, Owner, Scope } from '../types';

/** Run statuses (contract 1); the open ones are those a run can still leave. */
export type RunStatus = 'queued' | 'running' | 'success' | 'fail' | 'aborted' | 'skipped';
export const RUN_STATUSES: readonly RunStatus[] = ['queued', 'running', 'success', 'fail', 'aborted', 'skipped'];
export const OPEN_STATUSES: readonly RunStatus[] = ['queued', 'running'];

export function isOpenStatus(status: unknown): boolean {
  return status === 'queued' || status === 'running';
}

/** Filters of a run list (all optional, ANDed); `since` inclusive, `until` exclusive, on created_at. */
export interface RunFilter {
  jobId?: string;
  clientId?: string;
  status?: RunStatus;
  since?: number;
  until?: number;
}

export interface RunPage extends RunFilter {
  limit: number;
  offset: number;
}

/** A run with its owner, for the service's own bookkeeping (derived runs, sweeps). */
export interface OwnedRun {
  owner: Owner;
  doc: Doc;
}

/** One held progress report (RunsRepository.writeProgress). */
export interface ProgressWrite {
  runId: string;
  progress: unknown;
  updatedAt: number;
}

/**
 * The runs of every job, newest first. Scoped calls apply the tenant scope (user, project, the
 * v1 project access, and a client-limited token's client) inside the adapter, from one pure
 * translation per engine (run-scope.ts, mongo/runs-translate.ts), exactly as jobs are scoped.
 * The unscoped calls serve the server's own loops and hooks, never a request's reads.
 *
 * Stored documents must carry `run_id`, `job_id`, `client_id`, `status`, `created_at` and
 * `updated_at`: the adapters index those.
 */
export interface RunsRepository {
  get(scope: Scope, runId: string): Promise<Doc | null>;
  /** The document as stored JSON text (no parse/serialise round trip). */
  getJson(scope: Scope, runId: string): Promise<string | null>;
  /** JSON texts, newest first (created_at, then run_id, descending). */
  list(scope: Scope, page: RunPage): Promise<string[]>;
  /** Inserts under the scope's owner; ForbiddenError when a client-limited scope names another client. */
  insert(scope: Scope, doc: Doc): Promise<void>;
  /**
   * Atomic read-modify-write of a run in scope; `mutate` may run more than once (Mongo retries)
   * and may throw to refuse. null from mutate leaves the run unchanged. null: no such run in scope.
   */
  update(scope: Scope, runId: string, mutate: (doc: Doc) => Doc | null): Promise<Doc | null>;

  /**
   * Held progress reports (the server's, no scope: each was checked when it was reported): sets
   * `progress` and `updated_at` of each run that is still open and was last written before
   * `updatedAt`. Answers the ids written; one transaction where the engine has them.
   */
  writeProgress(reports: ProgressWrite[]): Promise<string[]>;

  /** The newest queued or running run of a job, whoever asks (derived runs, run-now). */
  openRunOf(jobId: string): Promise<OwnedRun | null>;
  /** Open runs (queued or running) whose last write is older than `updatedBefore`, oldest first. */
  openIdleSince(updatedBefore: number, limit: number): Promise<OwnedRun[]>;
  /** Deletes up to `limit` ended runs created before `createdBefore`; answers how many. */
  pruneOlderThan(createdBefore: number, limit: number): Promise<number>;
  /** Deletes up to `limit` ended runs of a job beyond its `keep` newest runs; answers how many. */
  pruneJobBeyond(jobId: string, keep: number, limit: number): Promise<number>;
  /** Every run with its owner, oldest first (db migrate). */
  scan(): AsyncIterable<OwnedRun>;
}
