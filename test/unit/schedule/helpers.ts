import type { Trigger } from '../../../src/schedule';

/** A LOCAL date and time (month 1-12), so expectations hold in any TZ. */
export function local(y: number, mo: number, d: number, h = 0, mi = 0, s = 0): Date {
  return new Date(y, mo - 1, d, h, mi, s);
}

/** The first `count` fire times after `after`, chaining next(); shorter if the trigger ends. */
export function fires(trigger: Trigger, after: Date, count: number): Date[] {
  const out: Date[] = [];
  for (let at = trigger.next(after); at && out.length < count; at = trigger.next(at)) out.push(at);
  return out;
}

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
