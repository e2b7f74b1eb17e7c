import { ScheduleError } from './schedule-error';

/**
 * The text of one job_schedule field, or null when it is unset. The API stores whatever JSON it
 * gets, so numbers are accepted and turned into text. `null` and `""` count as unset, as in the
 * reference (which tests the value's truth); a numeric 0 however counts as set, because
 * `{"schedule_minute": 0}` plainly means minute 0.
 */
export function scheduleField(schedule: Record<string, unknown>, key: string): string | null {
  const value = schedule[key];
  if (value === undefined || value === null || value === '') return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw new ScheduleError(`${key}: expected a string or a number, got ${JSON.stringify(value)}`);
}
