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

/** The API shape of GET /freshness/jobs items. */
export function presentJob(r: JobFreshness): Record<string, unknown> {
  return {
    job_id: r.job_id,
    client_id: r.client_id,
    description: r.description,
    last_success_at: r.last_success_at,
    last_run: r.last_run,
    next_expected_at: r.next_expected_at,
    expected_interval: r.expected_interval,
    stale: r.stale,
    stale_since: r.stale_since,
  };
}

/** The API shape of GET /freshness/clients items. */
export function presentClient(r: ClientFreshness): Record<string, unknown> {
  return { client_id: r.client_id, hostname: r.hostname, last_seen_at: r.last_seen_at, silent: r.silent, silent_since: r.silent_since };
}
