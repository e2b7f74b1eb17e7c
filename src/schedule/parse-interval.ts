import { ScheduleError } from './schedule-error';

const SECOND_MS = 1000;
const UNIT_MS: Record<string, number> = {
  second: SECOND_MS,
  minute: 60 * SECOND_MS,
  hour: 3600 * SECOND_MS,
  day: 86_400 * SECOND_MS,
  week: 7 * 86_400 * SECOND_MS,
};
// [REC] runs of spaces between number and unit (the reference split on one space and failed).
// Singular units are accepted too, although the API pattern only lets plural ones through.
const INTERVAL = /^(\d+)\s+(week|day|hour|minute|second)s?$/;
// Longer than the whole Date range: could never fire twice.
const MAX_MS = 8.64e15;

/** The period in ms of a `schedule_interval`: `continuous` (every second) or `N unit`. */
export function parseInterval(text: string): number {
  const normal = text.trim().toLowerCase();
  if (normal === 'continuous') return SECOND_MS;
  const m = INTERVAL.exec(normal);
  if (!m) {
    throw new ScheduleError(`schedule_interval '${text}': expected 'continuous' or 'N unit' `
      + 'with unit weeks, days, hours, minutes or seconds');
  }
  const ms = Number(m[1]) * UNIT_MS[m[2]];
  if (ms > MAX_MS) throw new ScheduleError(`schedule_interval '${text}': too long`);
  // APScheduler turns a zero interval into one second; do the same rather than spin.
  return ms === 0 ? SECOND_MS : ms;
}
