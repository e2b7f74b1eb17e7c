import type { ActionContext, ActionOutcome, ActionRunner } from '../action-types';
import { directoryUsage } from './directory-usage';

/** The stock agent's info output: `[fields, rows]`, one row per container (spec C.3). */
export type InfoTable = [['Container', 'Size', 'Object Count'], Array<[string, number, number]>];

const FIELDS: InfoTable[0] = ['Container', 'Size', 'Object Count'];

/** Storages the agent knows but cannot list yet. */
const UNLISTED_STORAGES = new Set(['ssh', 'swift', 's3', 'ftp', 'ftps']);

/**
 * The `info` action: for local storage (the default here), the size and file count of the
 * container directory, logged as one line in the stock table shape. The stock agent prints
 * nothing for local storage; a usage figure is more useful and keeps the same shape as its swift
 * listing. Remote storages are not listed yet: they succeed with no rows.
 */
export class InfoAction implements ActionRunner {
  async run(freezerAction: Record<string, unknown>, ctx: ActionContext): Promise<ActionOutcome> {
    const storage = freezerAction.storage ?? 'local';
    if (storage === 'local') return this.local(freezerAction.container, ctx);
    if (typeof storage === 'string' && UNLISTED_STORAGES.has(storage)) {
      ctx.log.info({ storage }, `info: listing ${storage} storage is not supported yet`);
      this.report([FIELDS, []], ctx);
      return { result: 'success' };
    }
    return { result: 'fail', message: `info: unknown storage ${JSON.stringify(storage)}` };
  }

  private async local(container: unknown, ctx: ActionContext): Promise<ActionOutcome> {
    if (typeof container !== 'string' || container.trim() === '') {
      return { result: 'fail', message: 'the info action needs a container (freezer_action.container, the local storage directory)' };
    }
    try {
      // A container that was never written to is simply empty, as in the stock storages.
      const usage = (await directoryUsage(container)) ?? { bytes: 0, files: 0 };
      this.report([FIELDS, [[container, usage.bytes, usage.files]]], ctx);
      return { result: 'success' };
    } catch (err) {
      return { result: 'fail', message: `info: cannot read container ${container}: ${(err as Error).message}` };
    }
  }

  private report(table: InfoTable, ctx: ActionContext): void {
    ctx.log.info({ info: table }, JSON.stringify(table));
  }
}
