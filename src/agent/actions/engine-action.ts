import { EngineError, type EngineContext, type EngineOutcome } from '../../engine';
import type { ActionContext, ActionOutcome, ActionRunner } from '../action-types';

type EngineRun = (freezerAction: Record<string, unknown>, ctx: EngineContext) => Promise<EngineOutcome>;

/**
 * `backup`, `restore` and `admin`: the engine's runs as agent actions. An EngineError is the
 * operator's to fix (bad option, missing key, refused host key...): it fails the action with its
 * message. Anything else is unexpected and logged with its stack.
 */
export class EngineAction implements ActionRunner {
  constructor(private readonly kind: string, private readonly run_: EngineRun) {}

  async run(freezerAction: Record<string, unknown>, ctx: ActionContext): Promise<ActionOutcome> {
    try {
      const outcome = await this.run_(freezerAction, { surface: 'job', signal: ctx.signal, log: ctx.log, progress: ctx.progress, confined: ctx.confined });
      return { result: 'success', metadata: outcome.metadata, message: outcome.message };
    } catch (err) {
      if (ctx.signal.aborted) return { result: 'aborted', message: `${this.kind} aborted` };
      if (!(err instanceof EngineError)) ctx.log.error({ err }, `${this.kind} failed unexpectedly`);
      const message = `${this.kind} failed: ${(err as Error).message}`;
      ctx.log.error(message);
      return { result: 'fail', message };
    }
  }
}
