import type { Logger } from 'pino';
import type { ProgressSnapshot } from '../engine';

/** How one action (or one whole run) ended, as the job's `result` field spells it. */
export type RunResult = 'success' | 'fail' | 'aborted';

/** What an action gets besides its `freezer_action`. */
export interface ActionContext {
  jobId: string;
  /** Aborted when the job gets an abort event or the agent stops: end at once, result `aborted`. */
  signal: AbortSignal;
  /** The job's logger, which already names the job (jobId): log calls must not pass it again. */
  log: Logger;
  /** Progress of a backup or restore in flight (written to job_schedule.progress). */
  progress?: (snapshot: ProgressSnapshot) => void;
  /** The agent limits jobs with allowed_paths (see EngineContext.confined). */
  confined?: boolean;
  /** Every line of a command's output that is logged (the run's log tail). */
  output?: (stream: 'stdout' | 'stderr', line: string) => void;
}

export interface ActionOutcome {
  result: RunResult;
  /** A backup's metadata document (spec C.10), posted to /backups with the job id. */
  metadata?: Record<string, unknown> | null;
  /** Why it failed, for the log. */
  message?: string;
}

/**
 * One freezer action kind (`exec`, `info`, later `backup`, `restore`, `admin`). The agent keeps
 * one runner per kind; the backup engine plugs in by adding runners.
 */
export interface ActionRunner {
  run(freezerAction: Record<string, unknown>, ctx: ActionContext): Promise<ActionOutcome>;
}
