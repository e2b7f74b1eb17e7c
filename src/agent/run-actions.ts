import type { Logger } from 'pino';
import type { ProgressSnapshot } from '../engine';
import type { ActionPolicy } from './action-policy';
import type { ActionRunner, RunResult } from './action-types';
import type { FreezerApi, JobDoc } from './freezer-api';
import type { RunObserver } from './run-recorder';
import { sleep } from './sleep';

export interface RunDeps {
  api: FreezerApi;
  runners: ReadonlyMap<string, ActionRunner>;
  /** The job's logger: it already carries jobId (AgentJob binds it), so no line here adds it again. */
  log: Logger;
  disableExec: boolean;
  /** Checks every action before anything runs, and each again just before it runs. */
  policy: ActionPolicy;
  /** Called at the start of every attempt (the stock scheduler PATCHes current_pid then). */
  onAttempt(): Promise<void>;
  /** Progress of a backup or restore in flight. */
  onProgress?(snapshot: ProgressSnapshot): void;
  /** Steps, attempts, output and backups of the run, where the API keeps run records. */
  observer?: RunObserver;
}

export interface JobAction {
  action_id: string | null;
  freezer_action: Record<string, unknown>;
  max_retries: number;
  max_retries_interval: number;
  mandatory: boolean;
}

const SESSION_ATTEMPTS = 5;

/**
 * The actions of one run, in order (spec B.6 steps 3-4): an action runs if it is mandatory or
 * every action so far succeeded; each gets max_retries + 1 attempts, max_retries_interval
 * seconds apart (default 60); `aborted` is never retried. Backup metadata goes to /backups with
 * the job id as soon as an attempt produces it.
 */
export async function runActions(job: JobDoc, signal: AbortSignal, deps: RunDeps): Promise<RunResult> {
  const actions = jobActionsOf(job);
  const log = deps.log;
  const observer = deps.observer;
  observer?.planned(actions.map((a) => ({ action: kindOf(a), actionId: a.action_id })));
  if (deps.disableExec && actions.some((a) => a.freezer_action.action === 'exec')) {
    log.warn('the job has an exec action and exec is disabled (--disable-exec): fail');
    observer?.refused('the job has an exec action and exec is disabled on this agent (--disable-exec)');
    return 'fail';
  }
  // A mistyped or unsupported option fails the whole job before its first action touches anything.
  for (const [index, action] of actions.entries()) {
    const refusal = await deps.policy.refusal(action.freezer_action);
    if (refusal !== null) {
      log.error({ action: index }, `action ${index} refused: ${refusal}`);
      observer?.refused(`action ${index} (${kindOf(action)}) refused: ${refusal}`);
      return 'fail';
    }
  }
  let result: RunResult = 'success';
  for (const [index, action] of actions.entries()) {
    if (!action.mandatory && result !== 'success') {
      log.info({ action: index }, 'skipped: an earlier action did not succeed');
      observer?.skipped(index, kindOf(action), action.action_id, 'an earlier action did not succeed');
      continue;
    }
    const outcome = await runWithRetries(job.job_id, index, action, signal, deps, log.child({ action: index, kind: action.freezer_action.action }));
    if (outcome !== 'success') result = outcome;
  }
  return result;
}

async function runWithRetries(jobId: string, index: number, action: JobAction, signal: AbortSignal, deps: RunDeps, log: Logger): Promise<RunResult> {
  const kind = kindOf(action);
  const observer = deps.observer;
  const runner = deps.runners.get(kind);
  const ended = (attempt: number, result: RunResult, message: string | null): RunResult => {
    if (attempt === 0) observer?.attemptStarted(index, kind, action.action_id, 0);
    observer?.attemptEnded(index, result, message);
    return result;
  };
  if (!runner) {
    log.error(`unknown action '${kind}': fail`);
    return ended(0, 'fail', `unknown action '${kind}'`);
  }
  for (let attempt = 1; ; attempt++) {
    if (signal.aborted) return ended(attempt - 1, 'aborted', 'aborted');
    // Again at the last moment: an earlier action may have changed the paths this one names.
    const refusal = await deps.policy.refusal(action.freezer_action);
    if (refusal !== null) {
      log.error(`refused: ${refusal}`);
      return ended(attempt - 1, 'fail', `refused: ${refusal}`);
    }
    await deps.onAttempt();
    observer?.attemptStarted(index, kind, action.action_id, attempt);
    const context = { jobId, signal, log, progress: deps.onProgress, confined: deps.policy.confined, output: observer && ((stream: 'stdout' | 'stderr', line: string) => observer.output(stream, line)) };
    const outcome = await runner.run(action.freezer_action, context).catch((err: unknown) => {
      log.error({ err }, 'the action crashed');
      return { result: 'fail' as const, metadata: null, message: (err as Error).message };
    });
    if (outcome.metadata) {
      observer?.backup(outcome.metadata);
      await uploadMetadata(jobId, outcome.metadata, deps, log);
    }
    observer?.attemptEnded(index, outcome.result, outcome.message ?? null);
    if (outcome.result !== 'fail') return outcome.result;
    log.warn({ attempt, of: action.max_retries + 1, message: outcome.message }, 'attempt failed');
    if (attempt > action.max_retries) return 'fail';
    if (!(await sleep(action.max_retries_interval * 1000, signal))) return ended(attempt, 'aborted', 'aborted while waiting to retry');
  }
}

function kindOf(action: JobAction): string {
  return String(action.freezer_action.action ?? '');
}

async function uploadMetadata(jobId: string, metadata: Record<string, unknown>, deps: RunDeps, log: Logger): Promise<void> {
  try {
    await deps.api.postBackup({ ...metadata, job_id: jobId });
  } catch (err) {
    // Like the stock scheduler: a failed upload is logged, the run goes on.
    log.error({ err: (err as Error).message }, 'cannot upload the backup metadata');
  }
}

/** job_actions with the stock defaults (max_retries 0, interval 60 s, not mandatory). */
export function jobActionsOf(job: JobDoc): JobAction[] {
  const list = Array.isArray(job.job_actions) ? job.job_actions : [];
  return list.map((raw) => {
    const a = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const fa = a.freezer_action;
    return {
      action_id: typeof a.action_id === 'string' ? a.action_id : null,
      freezer_action: typeof fa === 'object' && fa !== null && !Array.isArray(fa) ? (fa as Record<string, unknown>) : {},
      max_retries: nonNegative(a.max_retries, 0),
      max_retries_interval: nonNegative(a.max_retries_interval, 60),
      mandatory: a.mandatory === true || a.mandatory === 'true' || a.mandatory === 'True',
    };
  });
}

function nonNegative(v: unknown, fallback: number): number {
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : fallback;
}

/**
 * POST /sessions/{id}/action, up to 5 attempts with no delay (spec B.6 steps 2 and 5). Resolves
 * to the answer of the first successful call, or null when none succeeded.
 */
export async function sessionCall(
  api: FreezerApi,
  sessionId: string,
  body: Record<string, unknown>,
  log: Logger,
): Promise<{ result?: string; session_tag?: number } | null> {
  for (let attempt = 1; attempt <= SESSION_ATTEMPTS; attempt++) {
    try {
      const answer = await api.sessionAction(sessionId, body);
      if (answer.result === 'success') return answer;
      log.warn({ sessionId, answer }, 'session action not successful');
    } catch (err) {
      log.warn({ sessionId, err: (err as Error).message }, 'session action failed');
    }
  }
  return null;
}
