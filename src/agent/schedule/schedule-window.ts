import { parseDatetime } from './parse-datetime';
import { scheduleField } from './schedule-field';

/** How far in the future a job "due now" runs: a start date in the past, or no schedule at all. */
export const SOON_MS = 2000;

/** When an interval or cron schedule may fire, as seen at some `now` (spec B.5 rule 2). */
export interface ScheduleWindow {
  /** The start date if it is in the future, now + 2 s if it is past; null without a start date. */
  readonly from: Date | null;
  /** No run starts after it; null without one, without a start date, or when it is before the start. */
  readonly end: Date | null;
}

export function scheduleWindow(schedule: Record<string, unknown>, now: Date): ScheduleWindow {
  const startText = scheduleField(schedule, 'schedule_start_date');
  if (startText === null) return { from: null, end: null };
  const start = parseDatetime('schedule_start_date', startText);
  const from = start.getTime() > now.getTime() ? start : new Date(now.getTime() + SOON_MS);
  const endText = scheduleField(schedule, 'schedule_end_date');
  const end = endText === null ? null : parseDatetime('schedule_end_date', endText);
  return { from, end: end && end.getTime() >= start.getTime() ? end : null };
}
