import { childEnv } from '../../config/child-env';
import { KILL_GRACE_MS } from '../../engine';
import type { ActionContext, ActionOutcome, ActionRunner } from '../action-types';
import { readExecOptions, type ExecOptions } from './exec-options';
import { OutputLog } from './output-log';
import { Pipeline, type PipelineEnd } from './pipeline';

export interface ExecActionOptions {
  /** Seconds an exec may run when its freezer_action has no `timeout`; null: no limit. */
  defaultTimeoutS: number | null;
  /** Between SIGTERM and SIGKILL when a command is aborted or times out. Default KILL_GRACE_MS (3 s). */
  killGraceMs?: number;
  /** Told the pid of every stage that started (tests check that nothing survives an abort). */
  onSpawn?: (pid: number, stage: number) => void;
}

/** setTimeout cannot wait longer (about 24.8 days); a longer delay would fire at once. */
const MAX_TIMER_MS = 0x7fffffff;

/**
 * The `exec` action (spec C.3): runs `freezer_action.command` as a pipeline without a shell, or
 * through `/bin/sh -c` with `shell: true` (see readExecOptions). Succeeds iff the last stage exits
 * 0, like the stock agent. Output goes to the job log, bounded (OutputLog).
 */
export class ExecAction implements ActionRunner {
  private readonly killGraceMs: number;

  constructor(private readonly opts: ExecActionOptions) {
    this.killGraceMs = opts.killGraceMs ?? KILL_GRACE_MS;
  }

  async run(freezerAction: Record<string, unknown>, ctx: ActionContext): Promise<ActionOutcome> {
    const exec = readExecOptions(freezerAction, this.opts.defaultTimeoutS);
    if (typeof exec === 'string') return { result: 'fail', message: exec };
    if (ctx.signal.aborted) return { result: 'aborted', message: 'aborted before the command started' };
    try {
      return await this.execute(exec, ctx);
    } catch (err) {
      // Nothing above should throw, but an exec must end as a result, never as a crashed agent.
      return { result: 'fail', message: `exec failed: ${(err as Error).message}` };
    }
  }

  private async execute(exec: ExecOptions, ctx: ActionContext): Promise<ActionOutcome> {
    ctx.log.info({ command: exec.command, shell: exec.shell, timeoutS: exec.timeoutS }, 'exec: starting');
    const pipeline = Pipeline.start(exec.stages, {
      env: childEnv(),
      output: new OutputLog(ctx.log, undefined, ctx.output),
      killGraceMs: this.killGraceMs,
      onSpawn: this.opts.onSpawn,
    });
    let stopped: 'aborted' | 'timeout' | null = null;
    const stop = (why: 'aborted' | 'timeout') => {
      stopped ??= why;
      pipeline.terminate();
    };
    const onAbort = () => stop('aborted');
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    const timer = exec.timeoutS === null ? undefined : setTimeout(() => stop('timeout'), Math.min(exec.timeoutS * 1000, MAX_TIMER_MS));
    try {
      const end = await pipeline.done;
      const outcome = outcomeOf(end, stopped, exec);
      ctx.log.info({ result: outcome.result, code: end.code, signal: end.signal }, outcome.message ?? 'exec: done');
      return outcome;
    } finally {
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onAbort);
    }
  }
}

/** An abort wins over everything, then the timeout, then a stage that could not start. */
function outcomeOf(end: PipelineEnd, stopped: 'aborted' | 'timeout' | null, exec: ExecOptions): ActionOutcome {
  if (stopped === 'aborted') return { result: 'aborted', message: 'exec: aborted' };
  if (stopped === 'timeout') return { result: 'fail', message: `timed out after ${exec.timeoutS} s` };
  if (end.spawnError !== null) return { result: 'fail', message: end.spawnError };
  if (end.code === 0) return { result: 'success' };
  if (end.signal !== null) return { result: 'fail', message: `the command was killed by ${end.signal}` };
  return { result: 'fail', message: `the command exited with status ${end.code}` };
}
