import { runAdmin, runBackup, runRestore } from '../../engine';
import type { ActionRunner } from '../action-types';
import { EngineAction } from './engine-action';
import { ExecAction, type ExecActionOptions } from './exec-action';
import { InfoAction } from './info-action';

export { EngineAction } from './engine-action';
export { ExecAction, type ExecActionOptions } from './exec-action';
export { InfoAction } from './info-action';

/** Only exec has settings so far. */
export type ActionRunnersOptions = ExecActionOptions;

/** One runner per `freezer_action.action` value. */
export function createActionRunners(opts: ActionRunnersOptions): Map<string, ActionRunner> {
  const runners = new Map<string, ActionRunner>([
    ['exec', new ExecAction(opts)],
    ['info', new InfoAction()],
    ['backup', new EngineAction('backup', runBackup)],
    ['restore', new EngineAction('restore', runRestore)],
    ['admin', new EngineAction('admin', runAdmin)],
  ]);
  return runners;
}
