import { cronSpec } from './cron-spec';
import { cronTrigger } from './cron-trigger';
import { parseDatetime } from './parse-datetime';
import { parseInterval } from './parse-interval';
import { ScheduleError } from './schedule-error';
import { scheduleField } from './schedule-field';
import { scheduleBounds } from './schedule-window';

/**
 * What the server expects of a job's schedule (freshness). The agent's triggers anchor an
 * interval on the moment the agent scheduled the job, which the server cannot know; the server
 * counts an interval from the run before instead (`after + interval`), and keeps the start date,
 * the end date and the cron fields exactly as the agent reads them (spec B.5).
 */
export interface Expectation {
  /**
   * interval and cron: recurring, may go stale. date: one shot at a date. none: no schedule (the
   * agent runs it once, soon). stopped: the job is stopped, completed or removed. invalid: the
   * agent cannot schedule it either (`problem` says why). Only recurring kinds ever go stale.
   */
  readonly kind: 'interval' | 'cron' | 'date' | 'none' | 'stopped' | 'invalid';
  readonly recurring: boolean;
  /** The next run expected strictly after `after`, or null when none is expected any more. */
  nextAfter(after: Date): Date | null;
  /** The time between two runs following `at` in ms (recurring kinds), else null. */
  intervalAt(at: Date): number | null;
  /** invalid: the ScheduleError's message. */
  readonly problem?: string;
}

/**
 * Schedule states in which no agent runs the job (spec B.6): stopped, completed (a one-shot
 * done, or a window that ended) or removed; a pending stop or remove event too.
 */
const IDLE_STATUSES: ReadonlySet<unknown> = new Set(['stop', 'completed', 'removed']);
const IDLE_EVENTS: ReadonlySet<unknown> = new Set(['stop', 'remove']);

/** True when no agent runs a job with this schedule now, whatever its schedule fields. */
export function isIdle(schedule: Record<string, unknown>): boolean {
  return IDLE_STATUSES.has(schedule.status) || IDLE_EVENTS.has(schedule.event);
}

const NEVER: Omit<Expectation, 'kind'> = { recurring: false, nextAfter: () => null, intervalAt: () => null };

/** The expectation for a job's `job_schedule` (anything: a missing or odd one expects nothing). */
export function expectationOf(schedule: unknown): Expectation {
  if (typeof schedule !== 'object' || schedule === null || Array.isArray(schedule)) return { kind: 'none', ...NEVER };
  const s = schedule as Record<string, unknown>;
  if (isIdle(s)) return { kind: 'stopped', ...NEVER };
  try {
    return recurringOrOneShot(s);
  } catch (err) {
    if (err instanceof ScheduleError) return { kind: 'invalid', ...NEVER, problem: err.message };
    throw err;
  }
}

/** The rules of triggerFor (spec B.5), in the same order: the first that applies wins. */
function recurringOrOneShot(s: Record<string, unknown>): Expectation {
  const date = scheduleField(s, 'schedule_date');
  if (date !== null) {
    const at = parseDatetime('schedule_date', date).getTime();
    return { kind: 'date', ...NEVER, nextAfter: (after) => (at > after.getTime() ? new Date(at) : null) };
  }
  const interval = scheduleField(s, 'schedule_interval');
  if (interval !== null) {
    const everyMs = parseInterval(interval);
    const { start, end } = scheduleBounds(s);
    const within = (t: number) => (end && t > end.getTime() ? null : new Date(t));
    return {
      kind: 'interval',
      recurring: true,
      nextAfter: (after) => within(start && start.getTime() > after.getTime() ? start.getTime() : after.getTime() + everyMs),
      intervalAt: () => everyMs,
    };
  }
  const spec = cronSpec(s);
  if (!spec) return { kind: 'none', ...NEVER };
  const { start, end } = scheduleBounds(s);
  const trigger = cronTrigger(spec, start ?? new Date(0), end);
  return {
    kind: 'cron',
    recurring: true,
    nextAfter: (after) => trigger.next(after),
    intervalAt(at) {
      const first = trigger.next(at);
      const second = first && trigger.next(first);
      return first && second ? second.getTime() - first.getTime() : null;
    },
  };
}
