import os from 'node:os';
import type { Logger } from 'pino';
import type { ProgressSnapshot } from '../engine';
import { permafrostVersion } from '../version';
import { ActionPolicy } from './action-policy';
import type { ActionRunner, RunResult } from './action-types';
import { ApiError, type FreezerApi, type JobDoc } from './freezer-api';
import type { Limiter } from './limiter';
import { runActions, sessionCall } from './run-actions';
import { RunRecorder } from './run-recorder';
import { MISFIRE_GRACE_MS, triggerFor, type Trigger } from '../schedule';

export type JobState = 'stop' | 'scheduled' | 'running' | 'removed';

export interface JobDeps {
  api: FreezerApi;
  runners: ReadonlyMap<string, ActionRunner>;
  limiter: Limiter;
  log: Logger;
  disableExec: boolean;
  /** What every action is checked against before it runs (default: known names, no path limit). */
  policy?: ActionPolicy;
  now: () => number;
  /** Every progress snapshot of a run (the terminal's progress bars). */
  onProgress?: (jobId: string, snapshot: ProgressSnapshot) => void;
  /** Whether the agent is on the API's wait-for-change channel (a Permafrost API) right now. */
  onChangeChannel?: () => boolean;
}

const DEFAULT_POLICY = new ActionPolicy({ allowedPaths: null });

/** How often a run's progress is PATCHed into job_schedule.progress. */
const PROGRESS_EVERY_MS = 2000;

/** How often an open run record is written while the run is in flight (progress, steps, heartbeat). */
const RUN_REPORT_EVERY_MS = 2000;

/** A run-now: the queued run to report to, and the state the job returns to afterwards. */
interface RunNow {
  runId: string;
  resume: 'scheduled' | 'stop';
}

/** setTimeout's longest delay; later fire times are reached in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * One job as the scheduler sees it: the state machine of spec B.4 (stop / scheduled / running,
 * events start, stop, abort, remove) and the runs of B.6, sending the PATCHes the stock scheduler
 * sends at the same moments, with its [REC] fixes: abort really aborts the run, an API-side
 * `remove` event means stop, abort while scheduled unschedules.
 */
export class AgentJob {
  state: JobState = 'stop';
  private doc: JobDoc;
  private trigger: Trigger | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: { abort: AbortController; done: Promise<void> } | null = null;
  private readonly log: Logger;
  private writes: Promise<void> = Promise.resolve();
  /** Progress of the run in flight, and whether the API takes it (the stock API answers 400). */
  private progress: { snapshot: ProgressSnapshot | null; sentAt: number; accepted: boolean | null } = { snapshot: null, sentAt: 0, accepted: null };
  /** The run record of the run in flight, where the API keeps them (Permafrost's runs API). */
  private run: { id: string; recorder: RunRecorder; timer: NodeJS.Timeout; sending: boolean; epoch: number } | null = null;
  /** The last job_schedule.run_now seen (handled or skipped), and one that waits for the run in flight. */
  private lastRunNow: string | null = null;
  private pendingRunNow: string | null = null;

  constructor(
    fetched: JobDoc,
    private readonly deps: JobDeps,
  ) {
    this.doc = structuredClone(fetched);
    this.log = deps.log.child({ jobId: fetched.job_id });
  }

  get id(): string {
    return this.doc.job_id;
  }

  /** The event a freshly seen job starts with (B.4.1): autostart unless it is stopped. */
  static firstEvent(doc: JobDoc): string {
    const s = doc.job_schedule ?? {};
    if (s.event) return String(s.event);
    return s.status === 'stop' ? 'stop' : 'start';
  }

  /** Feeds one fetched document through the event processor (B.3 step 3, B.4.2). */
  async handle(fetched: JobDoc, event = String(fetched.job_schedule?.event ?? '')): Promise<void> {
    let next = event;
    // Bounded: the stock processor loops forever on some events [REF-BUG]; ours needs two steps at most.
    for (let i = 0; next && i < 4; i++) next = await this.step(next === 'remove' ? 'stop' : next, fetched);
    await this.checkRunNow(fetched);
  }

  /**
   * Run-now (Permafrost's runs API): the server sets job_schedule.run_now = {run_id} on the job;
   * a new run_id runs the job at once (after the run in flight, if any) and reports to that run.
   * A run_id that is not queued any more (handled before a restart, cancelled, timed out) is
   * skipped. The stock API never sets run_now.
   */
  private async checkRunNow(fetched: JobDoc): Promise<void> {
    const runNow = fetched.job_schedule?.run_now as { run_id?: unknown } | undefined;
    const runId = typeof runNow?.run_id === 'string' ? runNow.run_id : null;
    if (runId === null || runId === this.lastRunNow || this.state === 'removed') return;
    this.lastRunNow = runId;
    const api = this.deps.api;
    if (!api.getRun || !api.reportRun) return;
    try {
      const run = await api.getRun(runId);
      if (run?.status !== 'queued') {
        this.log.info({ runId, status: run?.status ?? 'none' }, 'run-now skipped: the run is not queued');
        return;
      }
    } catch (err) {
      this.lastRunNow = null;
      this.log.warn({ runId, err: (err as Error).message }, 'cannot read the run-now run; trying again at the next poll');
      return;
    }
    if (this.state === 'running') this.pendingRunNow = runId;
    else this.startRunNow(runId);
  }

  private startRunNow(runId: string): void {
    const resume = this.state === 'scheduled' ? 'scheduled' : 'stop';
    this.clearTimer();
    this.state = 'running';
    const abort = new AbortController();
    const done = this.runNowOnce({ runId, resume }, abort.signal).catch((err: unknown) => this.log.error({ err }, 'run-now failed unexpectedly'));
    this.running = { abort, done };
  }

  private async runNowOnce(runNow: RunNow, signal: AbortSignal): Promise<void> {
    await this.deps.limiter.acquire();
    try {
      this.log.info({ runId: runNow.runId }, 'run-now');
      if (!(await this.claimRun(runNow.runId)) || signal.aborted) {
        this.state = runNow.resume;
        if (this.state === 'scheduled') this.arm();
        return;
      }
      await this.execute(signal, runNow);
    } finally {
      this.deps.limiter.release();
      this.running = null;
      this.next();
    }
  }

  /** After a run: a run-now that came in during it runs now. */
  private next(): void {
    const pending = this.pendingRunNow;
    this.pendingRunNow = null;
    if (pending && (this.state === 'scheduled' || this.state === 'stop')) this.startRunNow(pending);
  }

  /** The job left the list (deleted, completed, moved to another client): forget it (B.3 step 4). */
  remove(): void {
    if (this.state === 'running') {
      this.schedule.event = 'remove';
      return;
    }
    this.unschedule();
    this.state = 'removed';
  }

  /** Agent shutdown: no new runs; resolves when the running one (if any) has finished. */
  async halt(abortAfterMs: number): Promise<void> {
    this.unschedule();
    const run = this.running;
    if (!run) return;
    const timer = setTimeout(() => run.abort.abort(), abortAfterMs);
    await run.done;
    clearTimeout(timer);
  }

  private get schedule(): Record<string, unknown> {
    return (this.doc.job_schedule ??= {});
  }

  private async step(event: string, fetched: JobDoc): Promise<string> {
    switch (this.state) {
      case 'stop':
        if (event === 'start') await this.start(fetched);
        else if (event === 'stop' || event === 'abort') await this.patchStopped(fetched);
        else this.log.warn({ event }, 'unknown event ignored');
        return '';
      case 'scheduled':
        if (event === 'start') {
          this.schedule.event = '';
          await this.patchFull();
          return '';
        }
        // [REC] abort while scheduled is a stop (the stock scheduler keeps the trigger).
        this.unschedule();
        this.schedule.event = '';
        this.schedule.status = 'stop';
        this.state = 'stop';
        await this.patchFull();
        return 'stop';
      case 'running':
        if (event === 'start') {
          this.schedule.event = '';
          await this.patchFull();
        } else if (event === 'stop') {
          this.schedule.event = 'stop';
        } else if (event === 'abort' && this.schedule.event !== 'abort') {
          this.schedule.event = 'abort';
          // The API hears of the abort before the run's closing PATCH can (writes are queued).
          const written = this.patchFull();
          this.running?.abort.abort();
          await written;
        }
        return '';
      default:
        return '';
    }
  }

  /** Stop + start: adopt the API's document, compute the trigger, PATCH the whole document. */
  private async start(fetched: JobDoc): Promise<void> {
    this.doc = structuredClone(fetched);
    this.schedule.event = '';
    try {
      this.trigger = triggerFor(this.schedule, new Date(this.deps.now()));
      this.schedule.status = 'scheduled';
      this.state = 'scheduled';
      // A one-shot date up to an hour past still runs (the reference's misfire grace).
      const now = this.deps.now();
      this.arm(new Date(this.trigger.kind === 'date' ? now - MISFIRE_GRACE_MS : now));
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'cannot schedule the job');
      this.trigger = null;
      this.schedule.status = 'completed';
    }
    await this.patchFull();
  }

  private async patchStopped(fetched: JobDoc): Promise<void> {
    this.doc = structuredClone(fetched);
    // On the wait-for-change channel the agent fetches a new job within milliseconds of its
    // creation: for a job created stopped, the stock no-op PATCH would then race the creator's
    // next writes (a session's session_id, a start event) and could undo them. So it is skipped
    // there; against the stock API (polling) the agent sends it as the stock scheduler does.
    const unchanged = this.schedule.status === 'stop' && !this.schedule.event;
    this.schedule.event = '';
    this.schedule.status = 'stop';
    if (!unchanged || !this.deps.onChangeChannel?.()) await this.patchFull();
  }

  // ------------------------------------------------------------------ triggers and runs

  private arm(after = new Date(this.deps.now())): void {
    this.clearTimer();
    const at = this.trigger?.next(after);
    if (!at) return;
    const delay = Math.max(0, at.getTime() - this.deps.now());
    this.timer = setTimeout(() => (delay > MAX_TIMER_MS ? this.arm(after) : this.fire(at)), Math.min(delay, MAX_TIMER_MS));
    this.timer.unref();
  }

  private fire(due: Date): void {
    this.timer = null;
    if (this.state !== 'scheduled') return;
    const abort = new AbortController();
    const done = this.runOnce(due, abort.signal).catch((err: unknown) => this.log.error({ err }, 'run failed unexpectedly'));
    this.running = { abort, done };
  }

  private async runOnce(due: Date, signal: AbortSignal): Promise<void> {
    this.state = 'running';
    await this.deps.limiter.acquire();
    try {
      const late = this.deps.now() - due.getTime();
      if (late > MISFIRE_GRACE_MS) {
        this.log.warn({ lateMs: late }, 'run skipped: more than the misfire grace time late');
        this.state = 'scheduled';
        this.arm();
        return;
      }
      // Stopped, aborted or deleted while waiting for a free slot: close without running.
      if (signal.aborted || ['stop', 'abort', 'remove'].includes(String(this.schedule.event))) {
        await this.finish();
        return;
      }
      // The time the trigger chose, for operators (and the scenario tests) to check a schedule by.
      this.log.info({ due: due.toISOString(), lateMs: late }, 'scheduled run starting');
      await this.execute(signal);
    } finally {
      this.deps.limiter.release();
      this.running = null;
      this.next();
    }
  }

  /**
   * B.6: mark running, session start, the actions, session end, then the closing PATCH. Where the
   * API keeps run records, the run is opened before the running PATCH (a run-now's queued run
   * was claimed already), written every RUN_REPORT_EVERY_MS, and closed before the closing PATCH.
   */
  private async execute(signal: AbortSignal, runNow: RunNow | null = null): Promise<void> {
    const sessionId = typeof this.doc.session_id === 'string' ? this.doc.session_id : '';
    if (runNow) this.trackRun(runNow.runId);
    else await this.openRun(sessionId);
    Object.assign(this.schedule, { status: 'running', result: '', time_started: this.seconds(), time_ended: -1 });
    delete this.schedule.progress;
    this.progress = { snapshot: null, sentAt: 0, accepted: this.progress.accepted };
    await this.patchSchedule();
    if (sessionId) {
      const started = await sessionCall(this.deps.api, sessionId, { start: { job_id: this.id, current_tag: this.doc.session_tag ?? 0 } }, this.log);
      if (started?.session_tag !== undefined) this.doc.session_tag = started.session_tag;
    }
    const result: RunResult = await runActions(this.doc, signal, {
      api: this.deps.api,
      runners: this.deps.runners,
      log: this.log,
      disableExec: this.deps.disableExec,
      policy: this.deps.policy ?? DEFAULT_POLICY,
      onAttempt: async () => {
        this.schedule.current_pid = process.pid;
        await this.patchFull();
      },
      onProgress: (snapshot) => this.reportProgress(snapshot),
      observer: this.run?.recorder,
    });
    this.schedule.time_ended = this.seconds();
    await this.keepFinalProgress();
    if (sessionId) {
      await sessionCall(this.deps.api, sessionId, { end: { job_id: this.id, current_tag: this.doc.session_tag ?? 0, result } }, this.log);
    }
    await this.closeRun(result);
    this.schedule.result = result;
    if (runNow?.resume === 'stop') await this.finishStopped();
    else await this.finish();
    this.log.info({ result }, 'run finished');
  }

  /** A run-now of a stopped job: it is stopped again afterwards (a pending abort or stop is consumed). */
  private async finishStopped(): Promise<void> {
    if (this.schedule.event === 'remove') {
      this.unschedule();
      this.state = 'removed';
      return;
    }
    this.schedule.event = '';
    this.schedule.status = 'stop';
    this.state = 'stop';
    await this.patchFull();
  }

  /** B.6 step 5.3: the first matching case decides the job's next state. */
  private async finish(): Promise<void> {
    const event = this.schedule.event;
    if (event === 'remove') {
      this.unschedule();
      this.state = 'removed';
      return;
    }
    const more = this.trigger?.next(new Date(this.deps.now())) ?? null;
    if (!more || event === 'stop' || event === 'abort') {
      this.unschedule();
      this.schedule.event = '';
      this.schedule.status = 'completed';
      this.state = 'stop';
      await this.patchFull();
      return;
    }
    this.schedule.status = 'scheduled';
    this.state = 'scheduled';
    await this.patchSchedule();
    this.arm();
  }

  private unschedule(): void {
    this.clearTimer();
    this.trigger = null;
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private seconds(): number {
    return Math.floor(this.deps.now() / 1000);
  }

  // ------------------------------------------------------------------ run records

  /** POST /runs before the running PATCH, where the API keeps runs; without a record on any failure. */
  private async openRun(sessionId: string): Promise<void> {
    const api = this.deps.api;
    if (!api.runsOffered || !api.openRun || !api.reportRun) return;
    try {
      if (!(await api.runsOffered())) return;
      await this.writes;
      const runId = await api.openRun({
        job_id: this.id,
        trigger: sessionId ? 'session' : 'schedule',
        status: 'running',
        started_at: this.deps.now() / 1000,
        agent: agentOf(),
        ...(sessionId ? { session_id: sessionId } : {}),
      });
      this.trackRun(runId);
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'cannot open a run record: the job runs without one');
    }
  }

  /** A run-now's queued run becomes this agent's running run; false when it is gone or has ended (cancelled). */
  private async claimRun(runId: string): Promise<boolean> {
    try {
      await this.writes;
      await this.deps.api.reportRun?.(runId, { status: 'running', started_at: this.deps.now() / 1000, agent: agentOf() });
      return true;
    } catch (err) {
      this.log.warn({ runId, err: (err as Error).message }, 'run-now not run: its run cannot be claimed');
      return !(err instanceof ApiError && (err.status === 404 || err.status === 409));
    }
  }

  private trackRun(runId: string): void {
    const timer = setInterval(() => this.writeRun(), RUN_REPORT_EVERY_MS);
    timer.unref();
    this.run = { id: runId, recorder: new RunRecorder(() => this.deps.now() / 1000), timer, sending: false, epoch: this.deps.api.reportEpoch?.() ?? 0 };
  }

  /**
   * The periodic report: what changed since the last one (run-recorder.ts), on the agent's report
   * stream where the API has one, else as a PATCH (one in flight at most). When reports may have
   * been lost (the stream broke, a PATCH failed) the next one carries everything.
   */
  private writeRun(): void {
    const run = this.run;
    const api = this.deps.api;
    const reportRun = api.reportRun;
    if (!run || run.sending || !reportRun) return;
    const epoch = api.reportEpoch?.() ?? 0;
    if (epoch !== run.epoch) {
      run.recorder.resend();
      run.epoch = epoch;
    }
    const body = run.recorder.changes();
    if (api.streamRunReport?.(run.id, body)) return;
    run.sending = true;
    this.writes = this.writes.then(async () => {
      try {
        await reportRun.call(api, run.id, body);
      } catch (err) {
        run.recorder.resend();
        this.log.warn({ runId: run.id, err: (err as Error).message }, 'cannot report on the run');
      } finally {
        run.sending = false;
      }
    });
  }

  /** The closing report: status, reason, and everything the run produced. */
  private async closeRun(result: RunResult): Promise<void> {
    const run = this.run;
    this.run = null;
    if (!run) return;
    clearInterval(run.timer);
    await this.writes;
    try {
      await this.deps.api.reportRun?.(run.id, run.recorder.final(result));
    } catch (err) {
      this.log.warn({ runId: run.id, err: (err as Error).message }, 'cannot close the run record');
    }
  }

  // ------------------------------------------------------------------ progress

  /**
   * Without run records, progress goes out as its own {job_schedule} PATCH, at most every PROGRESS_EVERY_MS, with the
   * schedule as it stands plus `progress` (a Permafrost extension). The stock API refuses unknown
   * schedule keys with 400: then progress is dropped for good, and state PATCHes never carry it.
   */
  private reportProgress(snapshot: ProgressSnapshot): void {
    this.deps.onProgress?.(this.id, snapshot);
    this.run?.recorder.progress(snapshot);
    this.progress.snapshot = snapshot;
    // Where the API keeps runs, live progress goes on the run's reports (one write path, not
    // two requests every 2 s); the job gets the last snapshot with its closing PATCH.
    if (this.run) return;
    const now = this.deps.now();
    if (this.progress.accepted === false || now - this.progress.sentAt < PROGRESS_EVERY_MS) return;
    this.progress.sentAt = now;
    const body = structuredClone({ job_schedule: { ...this.schedule, progress: snapshot } });
    this.writes = this.writes.then(async () => {
      // Queued before the API refused an earlier one: drop it.
      if (this.progress.accepted === false) return;
      try {
        await this.deps.api.patchJob(this.id, body);
        this.progress.accepted = true;
      } catch (err) {
        if (err instanceof ApiError && err.status === 400) {
          this.progress.accepted = false;
          this.log.info('the API does not take job_schedule.progress (a Permafrost extension): progress is not reported');
        } else this.log.warn({ err: (err as Error).message }, 'cannot report progress');
      }
    });
  }

  /** The last snapshot stays in the job after the run, where the API takes it. */
  private async keepFinalProgress(): Promise<void> {
    await this.writes;
    if ((this.progress.accepted || this.run) && this.progress.snapshot) this.schedule.progress = this.progress.snapshot;
  }

  // ------------------------------------------------------------------ API writes

  /** PATCH the whole local document (what the stock scheduler does for state changes). */
  private async patchFull(): Promise<void> {
    await this.patch(this.doc);
  }

  /** PATCH {job_schedule} only (start and end of a run). */
  private async patchSchedule(): Promise<void> {
    await this.patch({ job_schedule: this.schedule });
  }

  /**
   * PATCHes of one job go out one after the other, in the order they were made: two in flight
   * at once could reach a multi-process API in the wrong order and leave a stale state.
   */
  private patch(body: Record<string, unknown>): Promise<void> {
    const copy = structuredClone(body);
    this.writes = this.writes.then(async () => {
      try {
        await this.deps.api.patchJob(this.id, copy);
      } catch (err) {
        // Like the stock scheduler: the local state moves on; the next change sends it again.
        this.log.error({ err: (err as Error).message }, 'cannot update the job in the API');
      }
    });
    return this.writes;
  }
}

/** Which agent runs a run (the run record's `agent`). */
function agentOf(): { host: string; pid: number; version: string } {
  return { host: os.hostname(), pid: process.pid, version: permafrostVersion() };
}
