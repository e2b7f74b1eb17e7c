import type { CronSpec } from './cron-spec';
import { nextCronWall } from './next-cron-wall';
import type { Trigger } from './trigger';
import { instantsOf, wallOf, wallPlus } from './wall-time';

// DST can only cost a few retries (a skipped hour is left minute by minute); the cap is there so
// that a surprising time zone database can never hang the agent.
const MAX_RETRIES = 10_000;

/**
 * A cron trigger in LOCAL time that fires no earlier than `start` and never after `end`.
 * DST, kept simple: a wall time the clock skips (spring forward) does not fire; in the hour
 * repeated when clocks go back, a wall time fires once, at its first occurrence still ahead.
 */
export function cronTrigger(spec: CronSpec, start: Date, end: Date | null): Trigger {
  return {
    kind: 'cron',
    next(after: Date): Date | null {
      // Fire times are whole seconds: the first candidate is the next whole second after `after`.
      const lower = Math.ceil(Math.max(after.getTime() + 1, start.getTime()) / 1000) * 1000;
      let from = wallOf(lower);
      for (let retry = 0; retry < MAX_RETRIES; retry++) {
        const wall = nextCronWall(spec, from);
        if (!wall) return null;
        const instants = instantsOf(wall);
        const hit = instants.find((instant) => instant >= lower);
        if (hit !== undefined) return end && hit > end.getTime() ? null : new Date(hit);
        // Skipped by the clock: DST gaps are whole minutes, so look again from the next minute.
        from = instants.length === 0 ? wallPlus({ ...wall, s: 0 }, 60) : wallPlus(wall, 1);
      }
      return null;
    },
  };
}
