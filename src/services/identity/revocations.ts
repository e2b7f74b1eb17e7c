import { chainOf, type TokenClaims } from '../../auth/tokens';
import type { Store } from '../../store/types';
import { newId } from '../common';
import type { RevocationRecord } from './records';

/** How often each process re-reads the revocation events other processes may have written. */
export const REVOCATION_REFRESH_MS = 1000;

/**
 * Revocation events, Keystone's model: instead of a list of every live token, a short list of
 * "tokens with this jti / user / project / application credential / audit chain issued before T". Every
 * request checks it in memory; the store is re-read once a second, so a revocation made on one
 * replica holds on every replica within about a second (at once on the one that made it).
 */
/** Per field and value, the latest `issued_before` of the live events: one lookup per claim. */
type EventIndex = Map<RevocationRecord['field'], Map<string, number>>;

export class RevocationsService {
  private events: EventIndex = new Map();
  private timer: NodeJS.Timeout | null = null;
  private refreshing: Promise<void> | null = null;

  constructor(
    private readonly store: Store,
    /** Longest token lifetime, ms: an event older than this can match no live token. */
    private readonly maxTokenLifeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh().catch(() => undefined), REVOCATION_REFRESH_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Refuses every token matching `field` = `value` issued until now. */
  async revoke(field: RevocationRecord['field'], value: string, expires?: number): Promise<void> {
    const now = this.now();
    const event: RevocationRecord = {
      id: newId(),
      field,
      value,
      issued_before: now,
      expires: expires ?? now + this.maxTokenLifeMs,
    };
    await this.store.registry('revocations').insert(event as unknown as Record<string, unknown>);
    addEvent(this.events, event);
  }

  /** On every request: five map lookups, however many events there are. */
  isRevoked(claims: TokenClaims): boolean {
    const issuedAt = issuedAtMs(claims);
    const values: Array<[RevocationRecord['field'], string | null | undefined]> = [
      ['jti', claims.jti],
      ['sub', claims.sub],
      ['project', claims.project],
      ['acid', claims.acid],
      ['chain', chainOf(claims)],
    ];
    for (const [field, value] of values) {
      const before = value == null ? undefined : this.events.get(field)?.get(value);
      if (before !== undefined && issuedAt <= before) return true;
    }
    return false;
  }

  /** Re-reads the events and forgets the expired ones (one refresh at a time). */
  refresh(): Promise<void> {
    this.refreshing ??= this.load().finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  private async load(): Promise<void> {
    const registry = this.store.registry('revocations');
    const all = (await registry.list()) as unknown as RevocationRecord[];
    const now = this.now();
    const live: EventIndex = new Map();
    for (const e of all) {
      if (e.expires > now) addEvent(live, e);
      else await registry.delete(e.id);
    }
    this.events = live;
  }
}

function addEvent(index: EventIndex, e: RevocationRecord): void {
  let byValue = index.get(e.field);
  if (!byValue) index.set(e.field, (byValue = new Map()));
  byValue.set(e.value, Math.max(byValue.get(e.value) ?? -Infinity, e.issued_before));
}

/**
 * When the token was issued, in ms: `iat_ms` when present, so a token issued in the same second
 * as, but after, a revocation is not caught by it. Without it, the start of the `iat` second:
 * erring towards refusing.
 */
function issuedAtMs(claims: TokenClaims): number {
  return typeof claims.iat_ms === 'number' ? claims.iat_ms : claims.iat * 1000;
}
