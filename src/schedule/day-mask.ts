import { dayOfYear, daysInMonth, isoWeek, weekdayOf } from './calendar';
import type { CronSpec, DayRule } from './cron-spec';
import type { ValueSet } from './value-set';

/**
 * The days of a month on which the spec may fire, as a bit mask (bit d for day d): the day
 * field ANDed with day_of_week and ISO week, as APScheduler combines them. One pass per month
 * keeps the search at month granularity.
 */
export function dayMask(spec: CronSpec, year: number, month: number): number {
  const length = daysInMonth(year, month);
  const firstWeekday = weekdayOf(year, month, 1);
  let mask = spec.days.plain | specialDays(spec.days, length, firstWeekday);
  if (!spec.weekdays.full) mask &= weekdayDays(spec.weekdays, length, firstWeekday);
  if (!spec.weeks.full) mask &= isoWeekDays(spec.weeks, year, month, length, firstWeekday);
  return mask & (2 ** (length + 1) - 2);
}

/** Day of the month of the first `weekday` (0 = Monday) in a month starting on `firstWeekday`. */
function firstOccurrence(weekday: number, firstWeekday: number): number {
  return 1 + ((weekday - firstWeekday + 7) % 7);
}

function specialDays(rule: DayRule, length: number, firstWeekday: number): number {
  let mask = rule.lastDay ? 1 << length : 0;
  const lastWeekday = (firstWeekday + length - 1) % 7;
  for (const { nth, weekday } of rule.nthWeekdays) {
    const day = nth > 0 ? firstOccurrence(weekday, firstWeekday) + 7 * (nth - 1)
      : length - ((lastWeekday - weekday + 7) % 7);
    if (day <= length) mask |= 1 << day;
  }
  return mask;
}

function weekdayDays(weekdays: ValueSet, length: number, firstWeekday: number): number {
  let mask = 0;
  for (let weekday = 0; weekday < 7; weekday++) {
    if (!weekdays.has(weekday)) continue;
    for (let day = firstOccurrence(weekday, firstWeekday); day <= length; day += 7) mask |= 1 << day;
  }
  return mask;
}

function isoWeekDays(weeks: ValueSet, year: number, month: number, length: number, firstWeekday: number): number {
  const firstOrdinal = dayOfYear(year, month, 1);
  let mask = 0;
  for (let day = 1; day <= length; day++) {
    const week = isoWeek(year, firstOrdinal + day - 1, (firstWeekday + day - 1) % 7);
    if (weeks.has(week)) mask |= 1 << day;
  }
  return mask;
}
