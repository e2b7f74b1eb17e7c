import { Counter, type Registry } from 'prom-client';
import type { EventSink, EventType } from '../services/events/event-sink';

/** The run statuses an ended-run event stands for: a fixed set, so the label stays bounded. */
const ENDED: Partial<Record<EventType, string>> = { 'run.succeeded': 'success', 'run.failed': 'fail', 'run.aborted': 'aborted' };

/**
 * Runs started and ended, by final status, counted as the runs service emits its events (one
 * process's share; a scrape sums the workers, and Prometheus's rate() copes with restarts).
 * Counters, not a count of stored runs, so a scrape reads nothing from the store.
 */
export function runEventMetrics(registry: Registry): EventSink {
  const started = new Counter({ name: 'permafrost_runs_started_total', help: 'Runs that started (became running)', registers: [registry] });
  const ended = new Counter({
    name: 'permafrost_runs_ended_total',
    help: 'Runs that ended, by status (success, fail, aborted)',
    labelNames: ['status'],
    registers: [registry],
  });
  for (const status of Object.values(ENDED)) ended.inc({ status }, 0);
  return {
    emit: async (_owner, type) => {
      if (type === 'run.started') started.inc();
      const status = ENDED[type];
      if (status) ended.inc({ status });
    },
  };
}
