/**
 * When each scheduler client last polled its jobs (or waited on its change channel), kept in
 * memory: a poll costs a map write, never a database write. `flush` hands the changes to a
 * writer at most every `flushEveryS` seconds per client (none by default: the figures are then
 * this process's only, and start empty after a restart; the agent-lost sweep treats "not seen
 * since this process started" as seen at its start, so a restart never closes runs by itself).
 * Read by the agent-lost sweep and by the freshness service (`silent` clients).
 */
export class ClientLastSeen {
  private readonly seenAt = new Map<string, number>();
  private readonly flushedAt = new Map<string, number>();
  readonly startedAt: number;

  constructor(
    private readonly now: () => number = () => Date.now() / 1000,
    private readonly flushEveryS = 10,
    private readonly writer: ((userId: string, clientId: string, at: number) => Promise<void>) | null = null,
  ) {
    this.startedAt = now();
  }

  /** The client's agent polled (listed its jobs) or waited on its channel now. */
  seen(userId: string, clientId: string): void {
    const key = keyOf(userId, clientId);
    const at = this.now();
    this.seenAt.set(key, at);
    if (!this.writer) return;
    const last = this.flushedAt.get(key) ?? 0;
    if (at - last < this.flushEveryS) return;
    this.flushedAt.set(key, at);
    this.writer(userId, clientId, at).catch(() => this.flushedAt.set(key, last));
  }

  /** Seconds since the epoch of the last poll this process saw, or null. */
  lastSeen(userId: string, clientId: string): number | null {
    return this.seenAt.get(keyOf(userId, clientId)) ?? null;
  }

  /** Every client seen, for listings (the freshness service). */
  entries(): Array<{ userId: string; clientId: string; at: number }> {
    return [...this.seenAt].map(([key, at]) => {
      const [userId, clientId] = key.split('\u0000');
      return { userId, clientId, at };
    });
  }
}

/** Client ids are unique per user's tenant; v1 and v2 polls of one agent share the key. */
function keyOf(userId: string, clientId: string): string {
  return `${userId}\u0000${clientId}`;
}
