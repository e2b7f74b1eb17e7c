/**
 * Delay before attempt `attempts + 1`, after `attempts` failed ones (1, 2, ...): base, 2 x base,
 * 4 x base, ... capped at max. No jitter: deliveries of different events are spread by the
 * events themselves, and a fixed schedule is what the delivery log can show and tests can check.
 */
export function retryDelayMs(attempts: number, baseMs: number, maxMs: number): number {
  const exp = Math.min(Math.max(attempts - 1, 0), 40);
  return Math.min(maxMs, baseMs * 2 ** exp);
}
