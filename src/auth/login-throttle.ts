import { setTimeout as sleep } from 'node:timers/promises';

interface Failures {
  count: number;
  last: number;
}

/** Free attempts before delays start; then each failure doubles the wait, up to `maxDelayMs`. */
const FREE_FAILURES = 3;
/** Failures older than this are forgotten. */
const FORGET_AFTER_MS = 15 * 60 * 1000;
/** Bounds the memory an attacker can make us use by guessing many user names. */
const MAX_TRACKED = 10_000;

/**
 * Slows down password and secret guessing per account: after a few consecutive failures every
 * attempt for that account (right or wrong, so the delay tells nothing) waits first, doubling
 * with each further failure. Kept per process: with N API workers a guesser gets at most N
 * times the rate, still exponentially slowed.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, Failures>();

  constructor(
    private readonly baseDelayMs = 250,
    private readonly maxDelayMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** How long an attempt for `key` must wait now (ms). */
  delayFor(key: string): number {
    const f = this.failures.get(key);
    if (!f || this.now() - f.last > FORGET_AFTER_MS || f.count < FREE_FAILURES) return 0;
    return Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (f.count - FREE_FAILURES));
  }

  async wait(key: string): Promise<void> {
    const ms = this.delayFor(key);
    if (ms > 0) await sleep(ms);
  }

  failed(key: string): void {
    const now = this.now();
    const f = this.failures.get(key);
    const count = f && now - f.last <= FORGET_AFTER_MS ? f.count + 1 : 1;
    // Re-insert so the map stays in least-recently-failed order for eviction.
    this.failures.delete(key);
    this.failures.set(key, { count, last: now });
    if (this.failures.size > MAX_TRACKED) this.failures.delete(this.failures.keys().next().value as string);
  }

  succeeded(key: string): void {
    this.failures.delete(key);
  }
}
