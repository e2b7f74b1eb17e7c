import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LoginThrottleSettings } from '../config/config';

/** What the HTTP layer knows of where an attempt comes from; the settings decide what to believe. */
export interface LoginSource {
  /** The peer address of the connection. */
  address: string | null;
  /** The X-Forwarded-For header as received, if any. */
  forwardedFor: string | null;
}

/** The account an attempt is for: its throttle key, and what a log line may say about it (never a secret). */
export interface LoginAccount {
  key: string;
  log: Record<string, string>;
}

export interface ThrottleLog {
  warn(obj: object, msg: string): void;
}

interface Counter {
  /** Failures not yet forgotten. */
  failures: number;
  /** Attempts waiting or being checked: each counts as a failure until it resolves. */
  inflight: number;
  /** When the last failure happened (ms). */
  last: number;
  /** When the latest reserved attempt may run (ms): later attempts queue behind it. */
  nextAt: number;
}

/** Failures older than this, with nothing in flight, are forgotten. */
const FORGET_AFTER_MS = 15 * 60 * 1000;
/** Accounts and addresses tracked at most (each); the least recently seen idle ones go first. */
export const MAX_TRACKED = 10_000;
/** An attempt that would have to queue longer than this is refused at once, unchecked. */
const MIN_QUEUE_LIMIT_MS = 60_000;

/**
 * Slows down password and secret guessing, per account and per client address. Past a few
 * failures, every attempt (right or wrong, so the delay tells nothing) waits before its secret
 * is checked, twice as long per further failure, up to a cap. Attempts still in flight count as
 * failures, and each wait starts where the previous attempt's wait ended, so concurrent guesses
 * take at least as long as the same guesses one after the other. Per address, spraying one guess over many
 * accounts is slowed the same way.
 *
 * Kept in memory, per process: with N API workers or replicas a guesser gets at most N times the
 * rate, still exponentially slowed. Memory is bounded (MAX_TRACKED accounts and addresses).
 */
export class LoginThrottle {
  private readonly accounts = new Counters();
  private readonly sources = new Counters();
  private readonly queueLimitMs: number;

  constructor(
    private readonly settings: Readonly<LoginThrottleSettings>,
    private readonly log: ThrottleLog | null = null,
    private readonly now: () => number = Date.now,
    /** How a wait is spent; injectable, like the clock, so tests need not spend it for real. */
    private readonly pause: (ms: number) => Promise<unknown> = sleep,
  ) {
    this.queueLimitMs = Math.max(MIN_QUEUE_LIMIT_MS, 6 * settings.max_delay_ms);
  }

  /**
   * Runs `check` (the secret's verification) once the account and the address have waited what
   * their failures call for; answers what `check` answered (false when it threw). An attempt that
   * would have to queue longer than the limit is answered false at once, without a check.
   */
  async guard(account: LoginAccount, from: LoginSource, check: () => Promise<boolean>): Promise<boolean> {
    const source = this.sourceOf(from);
    const now = this.now();
    const a = this.accounts.touch(account.key, now);
    const s = this.sources.touch(source, now);
    const start = this.startOf(a, s, now);
    const wait = start - now;
    if (wait > this.queueLimitMs) {
      this.log?.warn({ ...account.log, source, delay_ms: wait, refused: true }, 'login throttled');
      return false;
    }
    // Reserve: later attempts count this one as a failure and queue behind it until it resolves.
    a.inflight++;
    s.inflight++;
    a.nextAt = Math.max(a.nextAt, start);
    s.nextAt = Math.max(s.nextAt, start);
    let ok = false;
    try {
      if (wait > 0) {
        this.log?.warn({ ...account.log, source, delay_ms: wait }, 'login throttled');
        await this.pause(wait);
      }
      ok = await check();
    } finally {
      this.settle(a, s, ok);
      if (!ok) this.log?.warn({ ...account.log, source }, 'login failed');
    }
    return ok;
  }

  /** How many accounts and addresses are tracked now (bounded by MAX_TRACKED each). */
  tracked(): { accounts: number; sources: number } {
    return { accounts: this.accounts.size, sources: this.sources.size };
  }

  /** The address an attempt is counted against (an IPv6 address by its /64, what one host usually holds). */
  sourceOf(from: LoginSource): string {
    const forwarded = this.settings.trust_forwarded_for ? normalizeAddress(lastForwarded(from.forwardedFor) ?? '') : null;
    // Not an address where one was promised: count it against the peer (the proxy), not nowhere.
    return forwarded ?? normalizeAddress(from.address ?? '') ?? 'unknown';
  }

  /** When an attempt may run: after its own delay, queued behind the account's and the address's last one. */
  private startOf(a: Counter, s: Counter, now: number): number {
    const { free_failures, source_free_failures } = this.settings;
    const da = this.delay(a.failures + a.inflight, free_failures);
    const ds = this.delay(s.failures + s.inflight, source_free_failures);
    return Math.max(da > 0 ? Math.max(now, a.nextAt) + da : now, ds > 0 ? Math.max(now, s.nextAt) + ds : now);
  }

  private delay(failures: number, free: number): number {
    if (failures < free) return 0;
    return Math.min(this.settings.max_delay_ms, this.settings.base_delay_ms * 2 ** (failures - free));
  }

  private settle(a: Counter, s: Counter, ok: boolean): void {
    a.inflight--;
    s.inflight--;
    if (ok) {
      // The account's owner proved themselves. The address keeps its count: a sprayer must not
      // wipe it by logging into an account of their own between guesses.
      a.failures = 0;
      return;
    }
    const now = this.now();
    for (const c of [a, s]) {
      c.failures++;
      c.last = now;
    }
  }
}

/** Counters by key, in least-recently-seen order, bounded in number. */
class Counters {
  private readonly map = new Map<string, Counter>();

  /** The key's counter (new or refreshed), moved to the most-recently-seen end. */
  touch(key: string, now: number): Counter {
    let c = this.map.get(key);
    if (c) {
      this.map.delete(key);
      if (c.inflight === 0 && now - c.last > FORGET_AFTER_MS) c.failures = 0;
    } else {
      c = { failures: 0, inflight: 0, last: now, nextAt: 0 };
      if (this.map.size >= MAX_TRACKED) this.evictOne();
    }
    this.map.set(key, c);
    return c;
  }

  get size(): number {
    return this.map.size;
  }

  /** Drops the least recently seen counter with nothing in flight (or, failing that, the oldest). */
  private evictOne(): void {
    let scanned = 0;
    for (const [key, c] of this.map) {
      if (c.inflight === 0 || ++scanned > 100) {
        this.map.delete(key);
        return;
      }
    }
  }
}

/** The entry the nearest proxy appended: the only one a trusted proxy vouches for. */
function lastForwarded(header: string | null): string | null {
  if (!header) return null;
  const parts = header.split(',');
  const last = parts[parts.length - 1].trim();
  return last === '' ? null : last;
}

/** A plain IPv4 address, or an IPv6 /64 prefix; null when `raw` is no IP address. */
export function normalizeAddress(raw: string): string | null {
  const text = raw.trim().replace(/^\[(.*)\](:\d+)?$/, '$1').replace(/%.*$/, '');
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3})(:\d+)?$/.exec(text);
  if (v4 && net.isIPv4(v4[1])) return v4[1];
  if (!net.isIPv6(text)) return null;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(text);
  if (mapped) return mapped[1];
  return `${ipv6Groups(text).slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address, in canonical hex. */
function ipv6Groups(address: string): string[] {
  const expand = (part: string) => (part === '' ? [] : part.split(':').flatMap((g) => (g.includes('.') ? ['0', '0'] : [g])));
  const [head, tail] = address.split('::');
  const left = expand(head);
  const right = tail === undefined ? [] : expand(tail);
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.map((g) => parseInt(g, 16).toString(16));
}
