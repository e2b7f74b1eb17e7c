import type { ActionOutcome, ActionRunner } from '../action-types';

/**
 * Stands in for the actions that need the backup engine (`backup`, `restore`, `admin`): a job
 * using them fails with a clear message instead of an unknown-action error. The engine replaces
 * these by putting its own runners in the map.
 */
export class UnsupportedAction implements ActionRunner {
  constructor(private readonly action: string) {}

  async run(): Promise<ActionOutcome> {
    return { result: 'fail', message: `the ${this.action} action needs the backup engine (not in this version)` };
  }
}
