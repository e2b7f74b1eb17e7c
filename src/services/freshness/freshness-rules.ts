import { expectationOf, isIdle } from '../../schedule';
import type { ClientFreshness, JobFreshness, LastRun } from '../../store/freshness-types';

/**
 * How late a success may be before its job is stale: max(grace_seconds, grace_factor x the
 * expected interval). The factor lets long intervals (weekly jobs) get a proportional grace
 * while short ones keep a floor.
 */
export interface FreshnessRules {
  graceSeconds: number;
  graceFactor: number;
}

export type Owner = { userId: string; projectId: string | null };

const TERMINAL: ReadonlySet<string> = new Set(['success', 'fail', 'aborted', 'skipped']);

/**
 * The job_schedule fields freshness depends on (what the agent reads, spec B.5 and B.6): the
 * schedule_* fields, and status and event only when they stop the job, so the running/scheduled
 * PATCHes of every run do not count as changes.
 */
export function scheduleOf(job: Record<string, unknown>): Record<string, unknown> {
  const js = job.job_schedule;
  if (typeof js !== 'object' || js === null || Array.isArray(js)) return {};
  const source = js as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(source)) if (key.startsWith('schedule_')) out[key] = value;
  if (isIdle(source)) {
    out.status = source.status;
    out.event = source.event;
  }
  return out;
}

/** What a job write must change for its freshness record to change; compare before and after. */
export function freshnessKeyOf(job: Record<string, unknown> | null): string {
  if (!job) return '';
  return JSON.stringify([scheduleOf(job), textOrNull(job.description), textOrNull(job.client_id)]);
}

/**
 * The record of a job after it was created or changed (`previous`: its record before, if any).
 * Runs already seen are kept; a job that now expects runs and did not before starts counting now.
 */
export function jobRecord(owner: Owner, jobId: string, job: Record<string, unknown>, previous: JobFreshness | null, now: number, rules: FreshnessRules): JobFreshness {
  const schedule = scheduleOf(job);
  const wasRecurring = previous !== null && expectationOf(previous.schedule).recurring;
  const base: JobFreshness = {
    job_id: jobId,
    user_id: previous?.user_id ?? owner.userId,
    project_id: previous ? previous.project_id : owner.projectId,
    client_id: textOrNull(job.client_id),
    description: textOrNull(job.description),
    schedule,
    since: previous && wasRecurring ? previous.since : now,
    last_success_at: previous?.last_success_at ?? null,
    last_run: previous?.last_run ?? null,
    next_expected_at: null,
    expected_interval: null,
    stale_at: null,
    stale: previous?.stale ?? false,
    stale_since: previous?.stale_since ?? null,
  };
  return recompute(base, now, rules);
}

/**
 * The record after a run event (`run` is the run document of contract 1). An event of an older
 * run than the one recorded (events may arrive out of order) changes nothing but a success time.
 */
export function withRun(record: JobFreshness, run: Record<string, unknown>, now: number, rules: FreshnessRules): JobFreshness {
  const status = String(run.status);
  const endedAt = TERMINAL.has(status) ? numberOrNull(run.ended_at) ?? now : null;
  const next: JobFreshness = { ...record };
  if (status === 'success' && endedAt !== null && (next.last_success_at === null || endedAt > next.last_success_at)) {
    next.last_success_at = endedAt;
  }
  const incoming: LastRun = { run_id: String(run.run_id), status, ended_at: endedAt, reason: textOrNull(run.reason) };
  if (isNewer(incoming, record.last_run, numberOrNull(run.started_at) ?? numberOrNull(run.created_at))) next.last_run = incoming;
  return recompute(next, now, rules);
}

/** The same run again, a run still open, or one that ended after the recorded one. */
function isNewer(incoming: LastRun, current: LastRun | null, startedAt: number | null): boolean {
  if (!current || current.run_id === incoming.run_id) return true;
  if (current.ended_at === null) return true;
  if (incoming.ended_at === null) return startedAt === null || startedAt >= current.ended_at - 1;
  return incoming.ended_at >= current.ended_at;
}

/**
 * Derived fields: the next expected run (after the last run, or after `since`), the expected
 * interval, and when the job goes stale: the first run expected after the last success (or
 * after `since` when it never succeeded) plus the grace. Marking a job stale is left to the
 * sweep (which emits job.stale once); this only clears it when a success or a new schedule put
 * the deadline back in the future.
 */
export function recompute(record: JobFreshness, now: number, rules: FreshnessRules): JobFreshness {
  const expectation = expectationOf(record.schedule);
  const lastActivity = Math.max(record.since, record.last_run?.ended_at ?? -Infinity, record.last_success_at ?? -Infinity);
  const nextExpected = expectation.nextAfter(new Date(lastActivity * 1000));
  const successBase = record.last_success_at ?? record.since;
  let staleAt: number | null = null;
  let interval: number | null = null;
  if (expectation.recurring) {
    const from = new Date(successBase * 1000);
    const intervalMs = expectation.intervalAt(from);
    interval = intervalMs === null ? null : intervalMs / 1000;
    const due = expectation.nextAfter(from);
    if (due !== null) staleAt = due.getTime() / 1000 + Math.max(rules.graceSeconds, rules.graceFactor * (interval ?? 0));
  }
  // A success that ended after the stale period began ends that period, even when it is reported
  // so late that the job is overdue again: the sweep then marks a new period, and emits job.stale
  // for it, rather than the record claiming one period across a success.
  const periodEnded = record.stale_since !== null && record.last_success_at !== null && record.last_success_at >= record.stale_since;
  const stillStale = record.stale && !periodEnded && staleAt !== null && staleAt <= now;
  return {
    ...record,
    next_expected_at: nextExpected === null ? null : nextExpected.getTime() / 1000,
    expected_interval: interval,
    stale_at: staleAt,
    stale: stillStale,
    stale_since: stillStale ? record.stale_since : null,
  };
}

/** The record marked stale by the sweep, or null when it is not due (or already stale). */
export function markedStale(record: JobFreshness, now: number): JobFreshness | null {
  if (record.stale || record.stale_at === null || record.stale_at > now) return null;
  return { ...record, stale: true, stale_since: record.stale_at };
}

/** A client just seen polling: no longer silent. */
export function clientSeen(record: ClientFreshness, at: number): ClientFreshness {
  return { ...record, last_seen_at: Math.max(at, record.last_seen_at ?? at), silent: false, silent_since: null };
}

/** The client marked silent by the sweep, or null when it was seen within `silentAfter` (or never). */
export function markedSilent(record: ClientFreshness, now: number, silentAfter: number): ClientFreshness | null {
  if (record.silent || record.last_seen_at === null || record.last_seen_at + silentAfter > now) return null;
  return { ...record, silent: true, silent_since: record.last_seen_at + silentAfter };
}

function textOrNull(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

function numberOrNull(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}
