import type { Scope } from './types';

/** The last run of a job as freshness shows it. */
export interface LastRun {
  run_id: string;
  status: string;
  /** Epoch seconds; null while the run is open. */
  ended_at: number | null;
  reason: string | null;
}

/**
 * The freshness record of one job, kept up to date as runs end and as the job changes, so that
 * "which jobs are stale?" never reads runs. Times are epoch seconds.
 */
export interface JobFreshness {
  job_id: string;
  user_id: string;
  /** null for v1 jobs. */
  project_id: string | null;
  client_id: string | null;
  description: string | null;
  /** The job's schedule fields (schedule_*, status, event) as last seen: all a recompute needs. */
  schedule: Record<string, unknown>;
  /** Since when runs are expected: when the job was created or first got a recurring schedule. */
  since: number;
  last_success_at: number | null;
  last_run: LastRun | null;
  /** The next run expected after the last one (or after `since`); null when none is expected. */
  next_expected_at: number | null;
  /** Seconds between two expected runs (recurring schedules), else null. */
  expected_interval: number | null;
  /** When the job goes stale if no success comes first; null: never (not recurring). */
  stale_at: number | null;
  stale: boolean;
  stale_since: number | null;
}

/** What a scheduler client's freshness record holds (per tenant and client_id). */
export interface ClientFreshness {
  client_id: string;
  user_id: string;
  project_id: string | null;
  hostname: string | null;
  /** When its agent last polled its jobs (or waited on its change channel); null: never seen. */
  last_seen_at: number | null;
  silent: boolean;
  silent_since: number | null;
}

/** GET /freshness/jobs filters; a page in job_id order. */
export interface JobFreshnessQuery {
  stale?: boolean;
  clientId?: string;
  limit: number;
  offset: number;
}

/** GET /freshness/clients filters; a page in client_id order. */
export interface ClientFreshnessQuery {
  silent?: boolean;
  limit: number;
  offset: number;
}

/** The owner of a record (a v1 record has no project). */
export interface RecordOwner {
  userId: string;
  projectId: string | null;
}

/**
 * Maps the record there is (null: none) to the one to keep; null keeps what is there (deletes
 * nothing). May run more than once (optimistic retry in multi-writer engines): keep it pure.
 */
export type RecordMutation<T> = (current: T | null) => T | null;

/** What an update did: the record before and after (equal when the mutation returned null). */
export interface Updated<T> {
  before: T | null;
  after: T | null;
}

/**
 * Freshness records: one per job (keyed by job id, carrying the job's owner) and one per
 * scheduler client (keyed by owner and client_id). Lists are per tenant, through indexes on the
 * owner and the filter; the sweep finds what is due through an index on the deadline, so no
 * call ever reads every record or any run.
 */
export interface FreshnessStore {
  getJob(jobId: string): Promise<JobFreshness | null>;
  /** Atomic read-modify-write of one job's record (creates it when the mutation returns one). */
  updateJob(jobId: string, mutate: RecordMutation<JobFreshness>): Promise<Updated<JobFreshness>>;
  deleteJob(jobId: string): Promise<boolean>;
  listJobs(scope: Scope, query: JobFreshnessQuery): Promise<JobFreshness[]>;
  /** Records not stale whose deadline (stale_at) is at or before `now`, earliest first. */
  dueJobs(now: number, limit: number): Promise<JobFreshness[]>;
  getClient(owner: RecordOwner, clientId: string): Promise<ClientFreshness | null>;
  updateClient(owner: RecordOwner, clientId: string, mutate: RecordMutation<ClientFreshness>): Promise<Updated<ClientFreshness>>;
  listClients(scope: Scope, query: ClientFreshnessQuery): Promise<ClientFreshness[]>;
  /** Clients not silent last seen at or before `cutoff`, earliest first. */
  dueClients(cutoff: number, limit: number): Promise<ClientFreshness[]>;
  /** Every client record with a last_seen_at, whatever the tenant, in pages (the /metrics last-seen family). */
  scanSeenClients(): AsyncIterable<ClientFreshness>;
  /** Whether the jobs stored before freshness existed (or migrated in) have their records. */
  isBackfilled(): Promise<boolean>;
  markBackfilled(): Promise<void>;
}
