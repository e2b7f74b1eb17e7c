import type { ProgressSnapshot } from '../engine';
import type { RunResult } from './action-types';

/** Lines of output a run report keeps (the newest), and the longest line (contract 1). */
export const LOG_TAIL_LINES = 50;
export const LOG_LINE_CHARS = 1000;

export type StepStatus = 'queued' | 'running' | 'success' | 'fail' | 'aborted' | 'skipped';

export interface RunStep {
  action: string;
  action_id: string | null;
  status: StepStatus;
  attempts: number;
  reason: string | null;
  started_at: number | null;
  ended_at: number | null;
}

/** Run progress as the runs API takes it (contract 1). */
export interface RunProgress {
  phase: string;
  bytes_done: number;
  bytes_total: number | null;
  files_done: number;
  files_total: number | null;
  rate: number;
  eta: number | null;
  pct_complete: number | null;
}

/** What runActions tells about the run in flight (besides the result). */
export interface RunObserver {
  /** The run's actions, in order, before the first runs. */
  planned(actions: Array<{ action: string; actionId: string | null }>): void;
  attemptStarted(index: number, action: string, actionId: string | null, attempt: number): void;
  attemptEnded(index: number, result: RunResult, message: string | null): void;
  skipped(index: number, action: string, actionId: string | null, reason: string): void;
  /** The whole run was refused before any action ran (policy, --disable-exec). */
  refused(reason: string): void;
  output(stream: 'stdout' | 'stderr', line: string): void;
  backup(metadata: Record<string, unknown>): void;
}

/**
 * The state of one run as the agent reports it to the runs API (PATCH /runs/{run_id}): steps with
 * their attempts and reasons, the last lines of output, the backups produced and the bytes they
 * stored, the progress, and the run's reason: the first failed step's, which names the failure
 * (exit status, engine error) and the first line the command wrote to stderr in that attempt.
 */
export class RunRecorder implements RunObserver {
  readonly steps: RunStep[] = [];
  readonly backups: Array<Record<string, unknown>> = [];
  private readonly tail: string[] = [];
  private storedBytes: number | null = null;
  private lastProgress: RunProgress | null = null;
  private refusal: string | null = null;
  /** The first stderr line of the attempt in flight, per step: the "real error line". */
  private readonly firstError = new Map<number, string>();
  private current = -1;
  /** What the reports sent so far hold, per key (as JSON): a report carries only what changed. */
  private readonly sent = new Map<string, string>();

  constructor(private readonly now: () => number = () => Date.now() / 1000) {}

  planned(actions: Array<{ action: string; actionId: string | null }>): void {
    actions.forEach((a, i) => this.step(i, a.action, a.actionId));
  }

  attemptStarted(index: number, action: string, actionId: string | null, attempt: number): void {
    this.current = index;
    this.firstError.delete(index);
    const step = this.step(index, action, actionId);
    step.status = 'running';
    step.attempts = attempt;
    step.reason = null;
    step.started_at ??= this.now();
    step.ended_at = null;
  }

  attemptEnded(index: number, result: RunResult, message: string | null): void {
    const step = this.steps[index];
    if (!step) return;
    const errorLine = this.firstError.get(index);
    const why = result === 'success' ? null : [message, errorLine].filter((p): p is string => !!p).join(': ') || result;
    step.status = result;
    step.reason = why;
    step.ended_at = this.now();
    if (result === 'fail') this.line(`action ${index} (${step.action}) attempt ${step.attempts} failed: ${why}`);
  }

  skipped(index: number, action: string, actionId: string | null, reason: string): void {
    const step = this.step(index, action, actionId);
    step.status = 'skipped';
    step.reason = reason;
  }

  refused(reason: string): void {
    this.refusal ??= reason;
    this.line(reason);
  }

  output(stream: 'stdout' | 'stderr', line: string): void {
    if (stream === 'stderr' && this.current >= 0 && !this.firstError.has(this.current) && line.trim() !== '') {
      this.firstError.set(this.current, line.trim().slice(0, 500));
    }
    this.line(line);
  }

  backup(metadata: Record<string, unknown>): void {
    const own = (metadata.permafrost ?? {}) as Record<string, unknown>;
    const stored = typeof own.stored_bytes === 'number' ? own.stored_bytes : null;
    this.backups.push({
      backup_name: metadata.backup_name ?? null,
      container: metadata.container ?? null,
      storage: metadata.storage ?? null,
      hostname: metadata.hostname ?? null,
      level: metadata.curr_backup_level ?? null,
      time_stamp: metadata.time_stamp ?? null,
      stored_bytes: stored,
    });
    if (stored !== null) this.storedBytes = (this.storedBytes ?? 0) + stored;
  }

  progress(snapshot: ProgressSnapshot): RunProgress {
    const pct = snapshot.bytes_total && snapshot.bytes_total > 0 ? Math.min(100, (snapshot.bytes_done / snapshot.bytes_total) * 100) : null;
    this.lastProgress = {
      phase: snapshot.phase,
      bytes_done: snapshot.bytes_done,
      bytes_total: snapshot.bytes_total,
      files_done: snapshot.files_done,
      files_total: snapshot.files_total,
      rate: Math.max(0, snapshot.bytes_per_s),
      eta: snapshot.eta_s === null ? null : Math.max(0, snapshot.eta_s),
      pct_complete: pct === null ? null : Math.round(pct * 10) / 10,
    };
    return this.lastProgress;
  }

  /** Why the run did not succeed: the refusal, else the first failed (or aborted) step's reason. */
  reason(result: RunResult): string | null {
    if (result === 'success') return null;
    if (this.refusal) return this.refusal;
    const failed = this.steps.find((s) => s.status === result) ?? this.steps.find((s) => s.status === 'fail' || s.status === 'aborted');
    if (failed?.reason) return `action ${this.steps.indexOf(failed)} (${failed.action}): ${failed.reason}`;
    return result === 'aborted' ? 'aborted' : 'failed';
  }

  /** The body of a PATCH /runs/{run_id} while the run is in flight. */
  report(): Record<string, unknown> {
    return {
      steps: this.steps.map((s) => ({ ...s })),
      log_tail: [...this.tail],
      ...(this.lastProgress ? { progress: this.lastProgress } : {}),
      backups: this.backups.map((b) => ({ ...b })),
      stored_bytes: this.storedBytes,
    };
  }

  /**
   * The body of a periodic report: `progress` always (null before the first snapshot: it is the
   * run's heartbeat too), and steps, log tail, backups and stored bytes when they changed since
   * the last report. In the steady state a report is progress only, which the server holds in
   * memory instead of writing (progress-cache.ts).
   */
  changes(): Record<string, unknown> {
    const out: Record<string, unknown> = { progress: this.lastProgress };
    for (const [key, value] of Object.entries(this.report())) {
      if (key === 'progress') continue;
      const json = JSON.stringify(value);
      if (this.sent.get(key) === json) continue;
      this.sent.set(key, json);
      out[key] = value;
    }
    return out;
  }

  /** The last reports may be lost: the next one carries everything again. */
  resend(): void {
    this.sent.clear();
  }

  /** The closing PATCH: the status, its reason and everything above. */
  final(result: RunResult): Record<string, unknown> {
    return { ...this.report(), status: result, reason: this.reason(result), ended_at: this.now() };
  }

  private step(index: number, action: string, actionId: string | null): RunStep {
    while (this.steps.length <= index) {
      this.steps.push({ action: '?', action_id: null, status: 'queued', attempts: 0, reason: null, started_at: null, ended_at: null });
    }
    const step = this.steps[index];
    step.action = action || '?';
    step.action_id = actionId;
    return step;
  }

  private line(text: string): void {
    this.tail.push(text.length > LOG_LINE_CHARS ? text.slice(0, LOG_LINE_CHARS) : text);
    if (this.tail.length > LOG_TAIL_LINES) this.tail.splice(0, this.tail.length - LOG_TAIL_LINES);
  }
}
