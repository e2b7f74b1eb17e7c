import type { ClientFreshness, FreshnessStore, JobFreshness } from '../../store/freshness-types';
import type { FreshnessObserver } from '../../store/freshness-recording';
import type { Doc, Owner, Repository, Scope } from '../../store/types';
import { NO_EVENTS, type EventOwner, type EventSink, type EventType } from '../events/event-sink';
import type { ServiceDeps } from '../deps';
import { parseClientFreshnessQuery, parseJobFreshnessQuery } from './freshness-query';
import { clientSeen, freshnessKeyOf, jobRecord, markedSilent, markedStale, recompute, withRun } from './freshness-rules';

/** freshness.* settings (schemas/config.json). */
export interface FreshnessSettings {
  /** The least time a success may be late before its job is stale, seconds. */
  grace_seconds: number;
  /** ... or this fraction of the expected interval when that is more. */
  grace_factor: number;
  /** Seconds between two passes of the sweep (stale jobs, silent clients). */
  sweep_seconds: number;
  /** Seconds without a poll after which a client's agent is silent. */
  silent_after: number;
}

export const DEFAULT_FRESHNESS_SETTINGS: FreshnessSettings = { grace_seconds: 3600, grace_factor: 0, sweep_seconds: 30, silent_after: 300 };

/**
 * A client's last-seen time is written at most this often per process (10 s, or a quarter of
 * silent_after when that is shorter, so a polling client never looks silent).
 */
export const SEEN_WRITE_EVERY_S = 10;
/** Records one sweep pass handles at most per kind; the next pass goes on. */
const SWEEP_BATCH = 500;

const RUN_EVENTS: ReadonlySet<EventType> = new Set(['run.started', 'run.succeeded', 'run.failed', 'run.aborted']);

/**
 * Freshness (issue 12 item 4): per job, the last success, the last run, the next expected run and
 * whether it is stale; per client, when its agent last polled and whether it fell silent. Records
 * are kept up to date as runs end (this is an EventSink fed the run.* events) and as jobs change
 * (a FreshnessObserver on the jobs repository), so queries never read runs. A sweep marks
 * what became due, emitting job.stale and client.silent once per transition: the change of the
 * record is atomic, and only the writer that made it emits.
 */
export class FreshnessService implements EventSink, FreshnessObserver {
  readonly settings: FreshnessSettings;
  /** Seconds since the epoch (ms precision, as runs). */
  now: () => number = () => Date.now() / 1000;
  private timer: NodeJS.Timeout | null = null;
  private sweeping: Promise<void> | null = null;
  private backfilling: Promise<unknown> | null = null;
  private stopping = false;

  private readonly store: () => FreshnessStore;
  private readonly jobs: () => Repository;
  private readonly clients: () => Repository;
  /** Where job.stale and client.silent go. */
  private readonly out: EventSink;
  private readonly onError: (err: unknown) => void;

  /** `deps.store` undecorated: freshness reads jobs and clients, it is not told of its own reads. */
  constructor(private readonly deps: ServiceDeps) {
    this.settings = { ...DEFAULT_FRESHNESS_SETTINGS, ...deps.freshness };
    this.store = () => deps.store.freshness();
    this.jobs = () => deps.store.repo('jobs');
    this.clients = () => deps.store.repo('clients');
    this.out = deps.events ?? NO_EVENTS;
    this.onError = (err) => deps.onBackgroundError?.(err, 'freshness');
  }

  private get rules() {
    return { graceSeconds: this.settings.grace_seconds, graceFactor: this.settings.grace_factor };
  }

  // ------------------------------------------------------------ queries

  /** GET /freshness/jobs: the page as the API shows it. */
  async listJobs(scope: Scope, params: Record<string, unknown>): Promise<Array<Record<string, unknown>>> {
    return (await this.store().listJobs(scope, parseJobFreshnessQuery(params, this.deps.validator))).map(jobView);
  }

  /** GET /freshness/clients. */
  async listClients(scope: Scope, params: Record<string, unknown>): Promise<Array<Record<string, unknown>>> {
    return (await this.store().listClients(scope, parseClientFreshnessQuery(params, this.deps.validator))).map(clientView);
  }

  // ------------------------------------------------------------ runs (EventSink)

  /**
   * A failure here is logged, never thrown: a run report must not fail because its job's
   * freshness record could not be written (the next run or job change rewrites it).
   */
  async emit(owner: EventOwner, type: EventType, data: Record<string, unknown>): Promise<void> {
    if (!RUN_EVENTS.has(type) || typeof data.job_id !== 'string') return;
    await this.recordRun(owner, data.job_id, data).catch((err: unknown) => this.onError(err));
  }

  private async recordRun(owner: EventOwner, jobId: string, data: Record<string, unknown>): Promise<void> {
    const now = this.now();
    let job: Doc | null | undefined;
    // A job the records never saw (created before freshness was there): read it once.
    if (!(await this.store().getJob(jobId))) job = (await this.jobs().get({ userId: owner.userId, projectId: owner.projectId }, jobId))?.doc ?? null;
    await this.store().updateJob(jobId, (current) => {
      let record = current;
      if (!record) {
        if (!job) return null;
        record = jobRecord(owner, jobId, job, null, now, this.rules);
      }
      return withRun(record, data, now, this.rules);
    });
  }

  // ------------------------------------------------------------ jobs (FreshnessObserver)

  async jobWritten(scope: Scope, jobId: string, before: Doc | null, after: Doc | null): Promise<void> {
    if (!after) {
      await this.store().deleteJob(jobId);
      return;
    }
    if (before && freshnessKeyOf(before) === freshnessKeyOf(after)) return;
    const now = this.now();
    const owner = before ? await this.ownerOf(scope, jobId) : { userId: scope.userId, projectId: scope.projectId };
    if (!owner) return;
    await this.store().updateJob(jobId, (current) => jobRecord(owner, jobId, after, current, now, this.rules));
  }

  /** How often the client last-seen tracker writes a client's poll time: a quarter of silent_after, 10 s at most. */
  seenWriteEvery(): number {
    return Math.min(SEEN_WRITE_EVERY_S, this.settings.silent_after / 4);
  }

  /**
   * Writes a client's last-seen time (and its hostname the first time): the writer of the runs
   * service's in-memory tracker (ClientLastSeen), called at most every seenWriteEvery() per client.
   */
  async recordSeen(scope: Scope, clientId: string, at: number): Promise<void> {
    const owner = { userId: scope.userId, projectId: scope.projectId };
    let hostname: string | null | undefined;
    if (!(await this.store().getClient(owner, clientId))) {
      // Only registered clients are tracked: anyone may poll or wait on any client id in their own
      // scope, and an id nobody registered there is not an agent that could fall silent.
      const client = await this.clients().get(scope, clientId);
      if (!client) return;
      hostname = hostnameOf(client.doc);
    }
    await this.store().updateClient(owner, clientId, (current) =>
      clientSeen(current ?? { client_id: clientId, user_id: owner.userId, project_id: owner.projectId, hostname: hostname ?? null, last_seen_at: null, silent: false, silent_since: null }, at),
    );
  }

  // ------------------------------------------------------------ the sweep

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.sweep(), this.settings.sweep_seconds * 1000);
    this.timer.unref();
    this.backfilling = this.backfill().catch((err: unknown) => this.onError(err));
  }

  /** Stops the timer and waits for a pass (and a backfill) under way. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.stopping = true;
    await this.sweeping;
    await this.backfilling;
  }

  /**
   * Once per database: records for the jobs stored before freshness existed (an upgrade, or a
   * `db migrate` target), read page by page in the background. A job's last stock result counts:
   * `job_schedule.result` "success" makes `time_ended` its last success. Jobs that got a record
   * meanwhile keep it; several processes doing this at once only repeat work.
   */
  async backfill(): Promise<number> {
    if (await this.store().isBackfilled()) return 0;
    const now = this.now();
    let created = 0;
    for await (const { owner, item } of this.jobs().scan()) {
      if (this.stopping) return created;
      const { before, after } = await this.store().updateJob(item.id, (current) => (current ? null : backfilledRecord(owner, item.id, item.doc, now, this.rules)));
      if (!before && after) created++;
    }
    await this.store().markBackfilled();
    return created;
  }

  /** One pass (never two at once): what it marked. */
  sweep(): Promise<void> {
    this.sweeping ??= this.sweepOnce()
      .then(() => undefined, (err: unknown) => this.onError(err))
      .finally(() => (this.sweeping = null));
    return this.sweeping;
  }

  async sweepOnce(): Promise<{ stale: string[]; silent: string[] }> {
    const now = this.now();
    const stale: string[] = [];
    for (const due of await this.store().dueJobs(now, SWEEP_BATCH)) {
      const { after, before } = await this.store().updateJob(due.job_id, (current) => (current ? markedStale(current, now) : null));
      if (!after || after === before || !after.stale || before?.stale) continue;
      try {
        await this.out.emit({ userId: after.user_id, projectId: after.project_id }, 'job.stale', jobView(after));
      } catch (err) {
        // Not stored: the transition is undone (if nothing changed since), so the next pass emits it.
        await this.store().updateJob(after.job_id, (current) => (current?.stale && current.stale_since === after.stale_since ? { ...current, stale: false, stale_since: null } : null));
        throw err;
      }
      stale.push(after.job_id);
    }
    const silent: string[] = [];
    for (const due of await this.store().dueClients(now - this.settings.silent_after, SWEEP_BATCH)) {
      const owner: Owner = { userId: due.user_id, projectId: due.project_id };
      const { after, before } = await this.store().updateClient(owner, due.client_id, (current) => (current ? markedSilent(current, now, this.settings.silent_after) : null));
      if (!after || after === before || !after.silent || before?.silent) continue;
      try {
        await this.out.emit(owner, 'client.silent', clientView(after));
      } catch (err) {
        await this.store().updateClient(owner, after.client_id, (current) => (current?.silent && current.silent_since === after.silent_since ? { ...current, silent: false, silent_since: null } : null));
        throw err;
      }
      silent.push(after.client_id);
    }
    return { stale, silent };
  }

  /** The owner of a job being changed: its record's, else the repository's. */
  private async ownerOf(scope: Scope, jobId: string): Promise<Owner | null> {
    const record = await this.store().getJob(jobId);
    if (record) return { userId: record.user_id, projectId: record.project_id };
    if (scope.projectId !== null) return { userId: scope.userId, projectId: scope.projectId };
    return this.jobs().ownerOf(jobId);
  }
}

/** A job's first record, from what the job itself says of its last run (spec A.4.3: result, time_ended). */
function backfilledRecord(owner: Owner, jobId: string, job: Doc, now: number, rules: { graceSeconds: number; graceFactor: number }): JobFreshness {
  const record = jobRecord(owner, jobId, job, null, now, rules);
  const schedule = job.job_schedule as Doc | undefined;
  const ended = schedule?.time_ended;
  if (schedule?.result !== 'success' || typeof ended !== 'number' || ended <= 0) return record;
  return recompute({ ...record, last_success_at: ended }, now, rules);
}

function hostnameOf(doc: Doc | undefined): string | null {
  const client = doc?.client;
  const hostname = typeof client === 'object' && client !== null ? (client as Doc).hostname : undefined;
  return typeof hostname === 'string' ? hostname : null;
}

/** A job as GET /freshness/jobs shows it, and as job.stale carries it. */
export function jobView(r: JobFreshness): Record<string, unknown> {
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

/** A client as GET /freshness/clients shows it, and as client.silent carries it. */
export function clientView(r: ClientFreshness): Record<string, unknown> {
  return { client_id: r.client_id, hostname: r.hostname, last_seen_at: r.last_seen_at, silent: r.silent, silent_since: r.silent_since };
}
