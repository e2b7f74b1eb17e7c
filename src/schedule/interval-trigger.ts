import type { Trigger } from './trigger';

/** Fires at `first`, then every `everyMs` counted from it, never after `end`. */
export function intervalTrigger(first: Date, everyMs: number, end: Date | null): Trigger {
  return {
    kind: 'interval',
    next(after: Date): Date | null {
      const since = after.getTime() - first.getTime();
      const fire = since < 0 ? first.getTime() : first.getTime() + (Math.floor(since / everyMs) + 1) * everyMs;
      return end && fire > end.getTime() ? null : new Date(fire);
    },
  };
}
