import type { EventRecord, EventStore } from '../../store/events/event-store';
import { PokedLoop } from './poked-loop';

/** A gap in the ids (an id taken by an insert not yet visible, or one that failed) is waited for this long. */
const GAP_WAIT_MS = 2000;
const PAGE = 500;

/**
 * Follows the events store from its newest event on and hands every new event, in id order, to
 * the listeners. It is how an event written by another process (the other `--workers`, another
 * server on MongoDB, `permafrost events emit`) reaches this process's streams: one indexed
 * read of `id > last` per poll interval for the whole process, however many streams are open.
 * A local emit pokes it, so events of this process go out without waiting for the interval.
 */
export class EventTail {
  private last = 0;
  private gapSince: number | null = null;
  private readonly listeners = new Set<(e: EventRecord) => void>();
  private readonly loop: PokedLoop;

  constructor(
    private readonly store: EventStore,
    pollMs: number,
    private readonly onError: (err: unknown) => void,
  ) {
    this.loop = new PokedLoop(() => this.read(), pollMs);
  }

  async start(): Promise<void> {
    this.last = await this.store.lastId();
    this.loop.start(false);
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  listen(fn: (e: EventRecord) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Reads now (after a local write). */
  poke(): void {
    this.loop.poke();
  }

  private async read(): Promise<void> {
    try {
      for (;;) {
        const page = await this.store.after(this.last, PAGE);
        let i = 0;
        for (; i < page.length; i++) {
          const e = page[i];
          if (e.id !== this.last + 1 && !this.gapExpired()) break;
          this.gapSince = null;
          this.last = e.id;
          for (const fn of this.listeners) fn(e);
        }
        if (i < page.length || page.length < PAGE) return;
      }
    } catch (err) {
      this.onError(err);
    }
  }

  /** At a gap: true once it has lasted GAP_WAIT_MS (the missing id is then taken as never coming). */
  private gapExpired(): boolean {
    const now = Date.now();
    this.gapSince ??= now;
    // Until then the next poll (or poke) looks again.
    return now - this.gapSince >= GAP_WAIT_MS;
  }
}
