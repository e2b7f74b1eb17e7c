import { parseDatetime } from './parse-datetime';
import { scheduleField } from './schedule-field';

/** How far in the future a job "due now" runs: a start date in the past, or no schedule at all. */
export const SOON_MS = 2000;

/** The start and end dates of an interval or cron schedule, whatever the time now. */
export interface ScheduleBounds {
  /** null without a start date. */
  readonly start: Date | null;
  /** No run starts after it; null without one, without a start date, or when it is before the start. */
  readonly end: Date | null;
}

/** When an interval or cron schedule may fire, as seen at some `now` (spec B.5 rule 2). */
export interface ScheduleWindow {
  /** The start date if it is in the future, now + 2 s if it is past; null without a start date. */
  readonly from: Date | null;
  /** As ScheduleBounds.end. */
  readonly end: Date | null;
}

export function scheduleBounds(schedule: Record<string, unknown>): ScheduleBounds {
  const startText = scheduleField(schedule, 'schedule_start_date');
  if (startText === null) return { start: null, end: null };
  const start = parseDatetime('schedule_start_date', startText);
  const endText = scheduleField(schedule, 'schedule_end_date');
  const end = endText === null ? null : parseDatetime('schedule_end_date', endText);
  return { start, end: end && end.getTime() >= start.getTime() ? end : null };
}

export function scheduleWindow(schedule: Record<string, unknown>, now: Date): ScheduleWindow {
  const { start, end } = scheduleBounds(schedule);
  if (start === null) return { from: null, end: null };
  return { from: start.getTime() > now.getTime() ? start : new Date(now.getTime() + SOON_MS), end };
}
