import type { CronSpec } from './cron-spec';
import { dayMask } from './day-mask';
import type { Wall } from './wall-time';

/**
 * The first wall-clock time at or after `from` that the spec matches, or null when there is
 * none up to year 9999 (APScheduler's limit). Advances field by field: year, month, then day
 * through the month's day mask, then hour, minute and second through lookup tables, so it never
 * walks second by second nor day by day.
 */
export function nextCronWall(spec: CronSpec, from: Wall): Wall | null {
  if (spec.years.has(from.y)) {
    const found = matchInYear(spec, from);
    if (found) return found;
  }
  // A year's calendar (leap day, weekdays, ISO weeks) repeats every 400 years, so a year whose
  // twin in the 400-year cycle had no match has none either: impossible schedules (day 30 of
  // February, or week 53 in June) end after at most 400 years of checks.
  const barren = new Set<number>();
  for (let y = spec.years.next(from.y + 1); y !== null; y = spec.years.next(y + 1)) {
    if (barren.has(y % 400)) continue;
    const found = matchInYear(spec, { y, mo: 1, d: 1, h: 0, mi: 0, s: 0 });
    if (found) return found;
    barren.add(y % 400);
  }
  return null;
}

function matchInYear(spec: CronSpec, from: Wall): Wall | null {
  for (let mo = spec.months.next(from.mo); mo !== null; mo = spec.months.next(mo + 1)) {
    const fromMonth = mo === from.mo;
    const mask = dayMask(spec, from.y, mo);
    for (let d = firstDay(mask, fromMonth ? from.d : 1); d !== null; d = firstDay(mask, d + 1)) {
      const time = fromMonth && d === from.d ? timeOfDay(spec, from.h, from.mi, from.s) : timeOfDay(spec, 0, 0, 0);
      if (time) return { y: from.y, mo, d, ...time };
    }
  }
  return null;
}

/** The first day set in `mask` at or after `day`, or null. */
function firstDay(mask: number, day: number): number | null {
  if (day > 31) return null;
  const later = (mask >>> day) << day;
  return later === 0 ? null : 31 - Math.clz32(later & -later);
}

function timeOfDay(spec: CronSpec, h0: number, mi0: number, s0: number): { h: number; mi: number; s: number } | null {
  for (let h = spec.hours.next(h0); h !== null; h = spec.hours.next(h + 1)) {
    for (let mi = spec.minutes.next(h === h0 ? mi0 : 0); mi !== null; mi = spec.minutes.next(mi + 1)) {
      const s = spec.seconds.next(h === h0 && mi === mi0 ? s0 : 0);
      if (s !== null) return { h, mi, s };
    }
  }
  return null;
}
