/** Longest wait between polls while the API is failing. */
export const MAX_BACKOFF_MS = 5 * 60_000;

/** A source of numbers in [0, 1), like Math.random; injectable so tests can pin the jitter. */
export type RandomSource = () => number;

/**
 * How long the agent waits before its next poll: the poll interval when the last one worked;
 * after `failures` failures in a row, a backoff that doubles per failure from the interval (at
 * least 1 s, so a tiny interval does not hammer a failing API), capped at MAX_BACKOFF_MS, times a
 * jitter in [0.75, 1.25) so that many agents failing together do not retry in lockstep.
 */
export function pollDelay(failures: number, pollIntervalS: number, random: RandomSource = Math.random): number {
  const base = pollIntervalS * 1000;
  if (failures === 0) return base;
  // The exponent is bounded so a long outage cannot overflow to Infinity before the cap applies.
  const backoff = Math.min(MAX_BACKOFF_MS, Math.max(base, 1000) * 2 ** Math.min(failures - 1, 10));
  return backoff * (0.75 + random() * 0.5);
}
