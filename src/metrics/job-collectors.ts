import type { Doc, Store } from '../store/types';
import type { StoreGaugeFamily } from './store-collectors';

/**
 * permafrost_job_last_success_timestamp_seconds, from what job documents hold today: the result
 * and end time of a job's latest run (job_schedule.result, time_ended, as both agents report
 * them). A job whose latest run did not succeed is not listed, since its document no longer says
 * when it last did; the run history (issue 12, runs service) is the better source and replaces
 * this family when it registers its own.
 *
 * Cardinality: one series per job, capped (StoreCollectors); the stalest successes come first,
 * so those an operator alerts on are the ones kept.
 */
export function jobLastSuccessFamily(store: Store): StoreGaugeFamily {
  return {
    name: 'permafrost_job_last_success_timestamp_seconds',
    help: 'End of the latest run of a job, for jobs whose latest run succeeded (epoch seconds)',
    labelNames: ['project_id', 'client_id', 'job_id'],
    perObject: true,
    async collect(emit) {
      const found: Array<{ labels: Record<string, string>; at: number }> = [];
      for await (const { owner, item } of store.repo('jobs').scan()) {
        const at = lastSuccess(item.doc);
        if (at === null) continue;
        found.push({ labels: { project_id: owner.projectId ?? '', client_id: String(item.doc.client_id ?? ''), job_id: item.key }, at });
      }
      found.sort((a, b) => a.at - b.at);
      for (const { labels, at } of found) emit(labels, at);
    },
  };
}

function lastSuccess(job: Doc): number | null {
  const schedule = job.job_schedule as Doc | undefined;
  const ended = Number(schedule?.time_ended);
  return schedule?.result === 'success' && Number.isFinite(ended) && ended > 0 ? ended : null;
}
