import type { ActionPolicy } from '../agent/action-policy';
import type { JobDoc } from '../agent/freezer-api';
import { jobActionsOf } from '../agent/run-actions';
import { fail, ok, type Check } from './check';
import type { JobNeeds } from './job-needs';

/**
 * Each action as the agent checks it before a run (ActionPolicy: known names, supported options,
 * allowed_paths) and as the engine reads its options (JobNeeds.problems): one FAIL per action the
 * agent would refuse, or one ok line for all.
 */
export async function jobChecks(jobs: readonly JobDoc[], needs: JobNeeds, policy: ActionPolicy): Promise<Check[]> {
  if (jobs.length === 0) return [];
  const checks: Check[] = [];
  let actions = 0;
  for (const job of jobs) {
    const label = `job ${String(job.job_id)}`;
    for (const [index, action] of jobActionsOf(job).entries()) {
      actions++;
      const kind = String(action.freezer_action.action ?? '');
      const message = (await policy.refusal(action.freezer_action)) ?? needs.problems.find((p) => p.job === label && p.index === index)?.message;
      if (message) checks.push(fail(label, `action ${index} (${kind}) would fail: ${message}; fix the job`));
    }
  }
  if (checks.length === 0) checks.push(ok('job options', `${jobs.length} job${jobs.length === 1 ? '' : 's'}, ${actions} action${actions === 1 ? '' : 's'}: options accepted`));
  return checks;
}
