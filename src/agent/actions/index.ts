import type { ActionRunner } from '../action-types';
import { ExecAction, type ExecActionOptions } from './exec-action';
import { InfoAction } from './info-action';
import { UnsupportedAction } from './unsupported-action';

export { ExecAction, type ExecActionOptions } from './exec-action';
export { InfoAction } from './info-action';
export { UnsupportedAction } from './unsupported-action';

/** Only exec has settings so far. */
export type ActionRunnersOptions = ExecActionOptions;

/** Actions that wait for the backup engine; it adds its own runners under these names. */
const ENGINE_ACTIONS = ['backup', 'restore', 'admin'];

/** One runner per `freezer_action.action` value. */
export function createActionRunners(opts: ActionRunnersOptions): Map<string, ActionRunner> {
  const runners = new Map<string, ActionRunner>([
    ['exec', new ExecAction(opts)],
    ['info', new InfoAction()],
  ]);
  for (const action of ENGINE_ACTIONS) runners.set(action, new UnsupportedAction(action));
  return runners;
}
