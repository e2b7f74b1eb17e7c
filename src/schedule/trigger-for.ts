import { cronSpec } from './cron-spec';
import { cronTrigger } from './cron-trigger';
import { intervalTrigger } from './interval-trigger';
import { oneShotTrigger } from './one-shot-trigger';
import { parseDatetime } from './parse-datetime';
import { parseInterval } from './parse-interval';
import { ScheduleError } from './schedule-error';
import { scheduleField } from './schedule-field';
import { scheduleWindow, SOON_MS } from './schedule-window';
import type { Trigger } from './trigger';

/**
 * Builds the trigger for a job_schedule as seen at `now` (spec B.5: the first rule that applies
 * wins). Throws ScheduleError, naming the field and its value, for a schedule that cannot be computed.
 */
export function triggerFor(schedule: Record<string, unknown>, now: Date): Trigger {
  if (typeof schedule !== 'object' || schedule === null || Array.isArray(schedule)) {
    throw new ScheduleError(`job_schedule: expected an object, got ${JSON.stringify(schedule)}`);
  }
  // 1. schedule_date: one shot; start and end dates are ignored.
  const date = scheduleField(schedule, 'schedule_date');
  if (date !== null) return oneShotTrigger('date', parseDatetime('schedule_date', date));
  // 2. schedule_interval: first run at the start date, or now + 2 s if that is past, or now + interval.
  const interval = scheduleField(schedule, 'schedule_interval');
  if (interval !== null) {
    const everyMs = parseInterval(interval);
    const window = scheduleWindow(schedule, now);
    return intervalTrigger(window.from ?? new Date(now.getTime() + everyMs), everyMs, window.end);
  }
  // 3. Any cron field: the same window, from now without a start date.
  const spec = cronSpec(schedule);
  if (spec) {
    const window = scheduleWindow(schedule, now);
    return cronTrigger(spec, window.from ?? now, window.end);
  }
  // 4. Nothing: run once, soon.
  return oneShotTrigger('soon', new Date(now.getTime() + SOON_MS));
}
