import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { ConflictError, NoSuchDocumentError, NotFoundError } from '../../errors';
import { assertWritable } from '../../store/project-access';
import { isOpenStatus, type RunPage, type RunsRepository } from '../../store/runs/runs-repository';
import { DuplicateError, type Doc, type Owner, type Repository, type Scope } from '../../store/types';
import { bodyObject, isObject, newId } from '../common';
import type { ServiceDeps } from '../deps';
import { NO_EVENTS, type EventSink, type EventType } from '../events/event-sink';
import { ProgressCache } from './progress-cache';
import {
  TERMINAL,
  capLogTail,
  endRun,
  newRunDocument,
  normaliseProgress,
  normaliseStep,
  type RunActor,
  type Trigger,
} from './run-document';

/** runs.* settings (schemas/config.json). */
export interface RunsSettings {
  /** Seconds without a report before an open run is closed as "agent lost". */
  agent_lost_after: number;
  /** Seconds a queued run may wait for an agent to start it. */
  queue_timeout: number;
  /** Runs kept per job (the newest). */
  keep_per_job: number;
  /** Days a run is kept. */
  keep_days: number;
  /** Seconds between two passes of the background sweep (agent lost, queue timeout, retention). */
  sweep_interval: number;
  /** The longest ?wait a run-now may ask for, seconds. */
  max_wait: number;
  /** How long an agent's run report stream lasts before it opens the next, seconds (the HTTP layer's). */
  stream_seconds: number;
}

export const DEFAULT_RUNS_SETTINGS: RunsSettings = {
  agent_lost_after: 60,
  queue_timeout: 600,
  keep_per_job: 100,
  keep_days: 90,
  sweep_interval: 10,
  max_wait: 300,
  stream_seconds: 300,
};

/** Idempotency keys of run-now requests are honoured this long. */
export const IDEMPOTENCY_WINDOW_S = 24 * 3600;

/** Which event a run's new status emits (contract 3); none for queued and skipped. */
const EVENT_OF: Record<string, EventType | undefined> = {
  running: 'run.started',
  success: 'run.succeeded',
  fail: 'run.failed',
  aborted: 'run.aborted',
};

/**
 * Run records (issue 12): agents open and report them, the server derives them for the stock
 * scheduler from its job PATCHes, queues run-now requests, and closes runs nobody reports on.
 * Reads are scoped by the runs repository exactly as jobs are.
 */
export class RunsService {
  readonly settings: RunsSettings;
  private readonly runs: () => RunsRepository;
  private readonly jobs: () => Repository;
  private readonly events: EventSink;
  /** Wakes waitForEnd callers in this process when a run ends here (other processes: polled). */
  private readonly ended = new EventEmitter();
  /** Progress-only reports not yet written (progress-cache.ts). */
  private readonly progress = new ProgressCache();
  /** Jobs that got a new run since the last retention pass (pruned by count then). */
  readonly touchedJobs = new Set<string>();
  /** Seconds since the epoch, with milliseconds (runs keep ms precision). */
  now: () => number = () => Date.now() / 1000;

  constructor(
    private readonly deps: ServiceDeps,
    opts: { events?: EventSink; settings?: Partial<RunsSettings> } = {},
  ) {
    this.settings = { ...DEFAULT_RUNS_SETTINGS, ...opts.settings };
    this.events = opts.events ?? deps.events ?? NO_EVENTS;
    this.runs = () => deps.store.runs();
    this.jobs = () => deps.store.repo('jobs');
    this.ended.setMaxListeners(0);
  }

  /** The store's runs (the sweeper's batches). */
  repository(): RunsRepository {
    return this.runs();
  }

  /** JSON texts, newest first (with this process's unwritten progress). */
  async list(scope: Scope, query: RunPage): Promise<string[]> {
    const page = await this.runs().list(scope, query);
    if (this.progress.size === 0) return page;
    return page.map((json) => {
      const id = RUN_ID_PREFIX.exec(json)?.[1];
      const pending = id ? this.progress.pending(id) : null;
      return pending ? JSON.stringify(pending) : json;
    });
  }

  async get(scope: Scope, runId: string): Promise<Doc> {
    const doc = await this.runs().get(scope, runId);
    if (!doc) throw notFound(runId);
    return this.progress.pending(runId) ?? doc;
  }

  /** GET of one run: a miss answers an empty 404, as a GET of any one document does (Freezer's). */
  async getJson(scope: Scope, runId: string): Promise<string> {
    const json = await this.runs().getJson(scope, runId);
    if (json === null) throw new NoSuchDocumentError();
    const pending = this.progress.pending(runId);
    return pending ? JSON.stringify(pending) : json;
  }

  /** POST /runs: an agent opens a run of a job in its scope; the run takes the job's owner and client. */
  async open(scope: Scope, body: unknown, who: RunActor): Promise<{ run_id: string }> {
    void who;
    const req = bodyObject(body, 'Missing request body');
    this.deps.validator.assertRun('run_open', req);
    const job = await this.jobOf(scope, String(req.job_id));
    const now = this.now();
    const doc = newRunDocument({
      runId: newId(),
      job,
      trigger: req.trigger as Trigger,
      status: String(req.status),
      now,
      derived: false,
      sessionId: req.session_id === undefined ? undefined : ((req.session_id as string | null) || null),
      agent: (req.agent as Doc | null) ?? null,
    });
    if (Array.isArray(req.steps)) doc.steps = req.steps.map((s) => normaliseStep(s as Doc));
    if (req.progress !== undefined) doc.progress = normaliseProgress(req.progress);
    if (doc.status === 'running') doc.started_at = typeof req.started_at === 'number' ? req.started_at : now;
    if (doc.status === 'skipped') endRun(doc, 'skipped', typeof req.reason === 'string' ? req.reason : null, now);
    await this.runs().insert(this.ownerScope(scope, job), doc);
    this.touchedJobs.add(doc.job_id as string);
    await this.emitFor(null, doc);
    return { run_id: doc.run_id as string };
  }

  /**
   * The fast path of report(): a valid progress-only report on a run this process holds
   * (progress-cache.ts) is taken at once, without a write or a promise. null: report() must
   * write it. Throws as report() does for a report that is not valid.
   */
  holdProgress(scope: Scope, runId: string, body: unknown): Doc | null {
    const req = bodyObject(body);
    this.deps.validator.assertRun('run_report', req);
    const keys = Object.keys(req);
    if (keys.length !== 1 || keys[0] !== 'progress') return null;
    return this.progress.absorb(scope, runId, normaliseProgress(req.progress), this.now());
  }

  /** PATCH /runs/{id}: the agent's report. 409 once the run has ended. */
  async report(scope: Scope, runId: string, body: unknown): Promise<Doc> {
    const held = this.holdProgress(scope, runId, body);
    if (held) return held;
    const req = bodyObject(body);
    const now = this.now();
    const pending = this.progress.pending(runId);
    let before: Doc | null = null;
    const after = await this.runs().update(scope, runId, (doc) => {
      before = structuredClone(doc);
      assertOpen(doc);
      // An unwritten progress report of this process is not lost by this write.
      if (pending && req.progress === undefined) doc.progress = pending.progress;
      return applyReport(doc, req, now);
    });
    if (!after) throw notFound(runId);
    this.progress.written(scope, after, now);
    await this.emitFor(before, after);
    return after;
  }

  /**
   * Run-now (used by POST /jobs/{id}/runs): queues a run of a job in scope and flags the job
   * (`job_schedule.run_now`) for its agent. With an idempotency key, the run id is derived from
   * (job, key): a retry finds the run of the first request (created false) for 24 hours.
   */
  async queue(scope: Scope, jobId: string, trigger: Trigger, who: RunActor, idempotencyKey?: string): Promise<{ run: Doc; created: boolean }> {
    const job = await this.jobOf(scope, jobId);
    const owner = this.ownerScope(scope, job);
    const now = this.now();
    let runId = newId();
    if (idempotencyKey) {
      const keyed = keyedRunId(job.job_id as string, idempotencyKey);
      const first = await this.runs().get(owner, keyed);
      if (first && now - (first.created_at as number) < IDEMPOTENCY_WINDOW_S) return { run: first, created: false };
      // Past the window the key starts a new run, under a fresh id.
      if (!first) runId = keyed;
    }
    const doc = newRunDocument({ runId, job, trigger, status: 'queued', now, derived: false, requestedBy: who });
    try {
      await this.runs().insert(owner, doc);
    } catch (err) {
      if (!(err instanceof DuplicateError)) throw err;
      // The same key, concurrently or after the window: the first request's run stands.
      const first = await this.runs().get(owner, doc.run_id as string);
      if (first) return { run: first, created: false };
      throw err;
    }
    this.touchedJobs.add(doc.job_id as string);
    await this.jobs().update(owner, jobId, (j) => {
      const schedule: Doc = isObject(j.job_schedule) ? j.job_schedule : {};
      j.job_schedule = { ...schedule, run_now: { run_id: doc.run_id, requested_at: now } };
      return j;
    });
    return { run: doc, created: true };
  }

  /**
   * Cancel: a queued run ends `aborted` at once; a running one has its job's abort event set (the
   * existing abort path, which both agents obey) and ends `aborted` when its agent reports it.
   * `cancelled_by` is recorded at once. 409 when the run has ended.
   */
  async requestCancel(scope: Scope, runId: string, who: RunActor): Promise<Doc> {
    let before: Doc | null = null;
    const after = await this.runs().update(scope, runId, (doc) => {
      before = structuredClone(doc);
      assertOpen(doc);
      doc.cancelled_by = who;
      doc.updated_at = this.now();
      return doc.status === 'queued' ? endRun(doc, 'aborted', null, this.now()) : doc;
    });
    if (!after) throw notFound(runId);
    this.progress.forget(runId);
    if (after.status === 'running') {
      const owner: Scope = { userId: after.user_id as string, projectId: (after.project_id as string | null) ?? null };
      await this.jobs().update(owner, after.job_id as string, (j) => {
        const schedule: Doc = isObject(j.job_schedule) ? j.job_schedule : {};
        if (schedule.event === 'abort') return null;
        j.job_schedule = { ...schedule, event: 'abort' };
        return j;
      });
    }
    await this.emitFor(before, after);
    return after;
  }

  /** The run once it has ended, or as it is after `seconds` (run-now ?wait). */
  async waitForEnd(scope: Scope, runId: string, seconds: number): Promise<Doc> {
    const deadline = Date.now() + Math.max(0, Math.min(seconds, this.settings.max_wait)) * 1000;
    for (;;) {
      const doc = await this.get(scope, runId);
      const left = deadline - Date.now();
      if (TERMINAL.has(doc.status as string) || left <= 0) return doc;
      // Woken at once by an end in this process; other processes' writes are seen by re-reading.
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.ended.off(runId, done);
          resolve();
        };
        const timer = setTimeout(done, Math.min(left, 250));
        this.ended.on(runId, done);
      });
    }
  }

  /**
   * Derived runs (contract 5), called by JobsService.patch with the job before and after: a
   * scheduler's PATCH to `running` attaches to the job's open run or opens a derived one; its
   * end PATCH closes the open derived run with its result. Runs opened by an agent are left to it.
   */
  async onJobPatched(owner: Owner, before: Doc, after: Doc): Promise<void> {
    const was = scheduleOf(before);
    const now = scheduleOf(after);
    const jobId = String(after.job_id);
    const scope: Scope = { userId: owner.userId, projectId: owner.projectId };
    if (now.status === 'running' && was.status !== 'running') {
      const open = await this.runs().openRunOf(jobId);
      if (open && open.doc.status === 'running') return;
      if (open) {
        // A queued run-now the scheduler started: its PATCHes drive it from now on.
        await this.transition(scope, open.doc.run_id as string, (d) => {
          if (d.status !== 'queued') return null;
          return { ...d, status: 'running', started_at: this.now(), derived: true, updated_at: this.now() };
        });
        return;
      }
      const doc = newRunDocument({
        runId: newId(),
        job: after,
        trigger: typeof after.session_id === 'string' && after.session_id !== '' ? 'session' : 'schedule',
        status: 'running',
        now: this.now(),
        derived: true,
      });
      doc.started_at = doc.created_at;
      await this.runs().insert(scope, doc);
      this.touchedJobs.add(jobId);
      await this.emitFor(null, doc);
      return;
    }
    if (was.status === 'running' && now.status !== 'running') {
      const open = await this.runs().openRunOf(jobId);
      if (!open || open.doc.derived !== true) return;
      const result = now.result;
      const status = result === 'success' ? 'success' : result === 'aborted' ? 'aborted' : 'fail';
      const reason =
        status === 'fail'
          ? result === 'fail'
            ? 'the scheduler reported fail'
            : `the scheduler reported status '${String(now.status)}' without a result`
          : null;
      await this.transition(scope, open.doc.run_id as string, (d) => (isOpenStatus(d.status) ? endRun(d, status, reason, this.now()) : null));
    }
  }

  /**
   * Closes a run the server gave up on (agent lost, queue timeout). Returns false when the run
   * changed meanwhile (it was written to, or ended).
   */
  async closeStale(owner: Owner, runId: string, updatedAt: number, reason: string): Promise<boolean> {
    // A report this process holds unwritten is a sign of life the database does not show yet.
    const reported = this.progress.lastReportAt(runId);
    if (reported !== null && reported > updatedAt) return false;
    const scope: Scope = { userId: owner.userId, projectId: owner.projectId };
    const after = await this.transition(scope, runId, (d) => (isOpenStatus(d.status) && d.updated_at === updatedAt ? endRun(d, 'fail', reason, this.now()) : null));
    return after !== null && after.status === 'fail' && after.reason === reason;
  }

  /** Writes the progress reports this process holds (the sweep calls it every pass). */
  async flushProgress(): Promise<number> {
    const held = this.progress.dirty();
    if (held.length === 0) return 0;
    // All in one store call (one transaction in SQLite), set in place: 1,000 running jobs cost
    // one commit a sweep, not a read, parse and rewrite of every run.
    const written = new Set(await this.runs().writeProgress(held));
    const now = this.now();
    for (const report of held) {
      if (written.has(report.runId)) this.progress.flushed(report, now);
      // Ended, or written since by another process: the next report goes to the store.
      else this.progress.forget(report.runId);
    }
    return held.length;
  }

  /** Applies a mutation as the server (no request scope beyond the owner) and emits what changed. */
  private async transition(scope: Scope, runId: string, mutate: (d: Doc) => Doc | null): Promise<Doc | null> {
    this.progress.forget(runId);
    let before: Doc | null = null;
    let changed = false;
    const after = await this.runs().update(scope, runId, (d) => {
      before = structuredClone(d);
      const out = mutate(d);
      changed = out !== null;
      return out;
    });
    if (after && changed) await this.emitFor(before, after);
    return after;
  }

  /** The job a run is for, in the caller's scope (404 otherwise), and writable by it (v1 projects). */
  private async jobOf(scope: Scope, jobId: string): Promise<Doc> {
    const job = await this.jobs().get(scope, jobId);
    if (!job) throw new NotFoundError(`No Job found with ID:${jobId}`);
    assertWritable(scope, typeof job.doc.project_id === 'string' ? job.doc.project_id : '');
    return job.doc;
  }

  /** A run is stored under its job's owner (v1 callers reach jobs of several projects). */
  private ownerScope(scope: Scope, job: Doc): Scope {
    return { userId: String(job.user_id), projectId: typeof job.project_id === 'string' ? job.project_id : null, clientId: scope.clientId ?? null };
  }

  /** run.* events for a status change, and wake-ups for waiters when the run ended. */
  private async emitFor(before: Doc | null, after: Doc): Promise<void> {
    const status = after.status as string;
    if (before && before.status === status) return;
    if (TERMINAL.has(status)) this.ended.emit(after.run_id as string);
    const type = EVENT_OF[status];
    if (!type) return;
    const owner = { userId: after.user_id as string, projectId: (after.project_id as string | null) ?? null };
    // A failing event store must not fail the report that caused the event.
    await this.events.emit(owner, type, after).catch(() => undefined);
  }
}

/** Stored runs start with their id (newRunDocument's field order): found without a parse. */
const RUN_ID_PREFIX = /^\{"run_id":"([^"]+)"/;

/** Applies a PATCH /runs body to an open run. */
function applyReport(doc: Doc, req: Doc, now: number): Doc {
  if (req.steps !== undefined) doc.steps = (req.steps as Doc[]).map(normaliseStep);
  if (req.progress !== undefined) doc.progress = normaliseProgress(req.progress);
  if (req.log_tail !== undefined) doc.log_tail = capLogTail(req.log_tail as unknown[]);
  if (req.backups !== undefined) doc.backups = req.backups;
  if (req.stored_bytes !== undefined) doc.stored_bytes = req.stored_bytes;
  if (req.started_at !== undefined) doc.started_at = req.started_at;
  // The agent that claims a queued run (run-now) names itself.
  if (req.agent !== undefined) doc.agent = req.agent;
  if (typeof req.reason === 'string') doc.reason = req.reason.slice(0, 10000);
  const status = req.status as string | undefined;
  if (status === 'running' && doc.started_at === null) doc.started_at = now;
  if (status !== undefined && TERMINAL.has(status)) {
    endRun(doc, status, typeof req.reason === 'string' ? req.reason : null, now, typeof req.ended_at === 'number' ? req.ended_at : undefined);
  } else if (status !== undefined) {
    doc.status = status;
    doc.reason = null;
  }
  doc.updated_at = now;
  return doc;
}

function assertOpen(doc: Doc): void {
  if (TERMINAL.has(doc.status as string)) {
    throw new ConflictError(`The run ${String(doc.run_id)} has ended (${String(doc.status)}): it cannot be changed`);
  }
}

function scheduleOf(job: Doc): Doc {
  return isObject(job.job_schedule) ? job.job_schedule : {};
}

/** A run id derived from the job and an idempotency key (uuid hex form, like generated ids). */
function keyedRunId(jobId: string, key: string): string {
  return createHash('sha256').update(`${jobId}\u0000${key}`).digest('hex').slice(0, 32);
}

function notFound(runId: string): NotFoundError {
  return new NotFoundError(`No Run found with ID:${runId}`);
}
