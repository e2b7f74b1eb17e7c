import type { EventsSettings } from '../../config/config';
import type { EventRecord, EventStore } from '../../store/events/event-store';
import { readableProjects } from '../../store/project-access';
import type { Doc, Scope } from '../../store/types';
import { EventTail } from './event-tail';
import type { EventOwner, EventSink, EventType } from './event-sink';

/** The API shape of an event (the JSON page, the SSE `data:` and the webhook body alike). */
export interface EventDocument {
  id: number;
  type: EventType;
  time: number;
  project_id: string | null;
  data: Doc;
}

export function eventDocument(e: EventRecord): EventDocument {
  return { id: e.id, type: e.type, time: e.time, project_id: e.project_id, data: e.data };
}

/** Whether a caller with this scope sees the event: the same rule as for its jobs. */
export function eventVisible(scope: Scope, e: { user_id: string; project_id: string | null }): boolean {
  if (e.user_id !== scope.userId) return false;
  if (scope.projectId !== null) return e.project_id === scope.projectId;
  const readable = readableProjects(scope);
  return readable === null || readable.includes(e.project_id ?? '');
}

export interface EventQuery {
  since: number;
  limit: number;
  types: EventType[] | null;
}

/** What a live stream is handed: events in id order, then close() when the server stops. */
export interface StreamListener {
  event(e: EventDocument): void;
  close(): void;
}

/** Who else hears of an emitted event once it is stored (the webhook delivery worker). */
export interface EmitHooks {
  /** The ids of the webhooks the event must be delivered to (stored with it). */
  webhooksFor(owner: EventOwner, type: EventType): Promise<string[]>;
  /** Called after the event (and its deliveries) are stored. */
  stored(): void;
}

interface Subscription {
  scope: Scope;
  types: EventType[] | null;
  listener: StreamListener;
  /** The highest id sent; later ones only. */
  sent: number;
  /** Live events that arrived while the store was being replayed. */
  buffer: EventRecord[] | null;
}

const REPLAY_PAGE = 500;
const PRUNE_BATCH = 1000;

/**
 * The events service: the EventSink producers call (runs, freshness), the store of events, the
 * per-project live streams and retention. An event is stored first (with its webhook deliveries),
 * then fanned out: to this process's streams at once, to other processes' through the store
 * (EventTail), and to webhooks by the delivery worker, which reads the stored deliveries.
 */
export class EventsService implements EventSink {
  private readonly subs = new Set<Subscription>();
  private readonly tail: EventTail;
  private pruneTimer: NodeJS.Timeout | null = null;
  private pruning: Promise<void> | null = null;
  private started = false;

  constructor(
    private readonly store: EventStore,
    private readonly settings: EventsSettings,
    /** Epoch milliseconds (tests pin it). */
    private readonly nowMs: () => number,
    private readonly hooks: EmitHooks,
    private readonly onError: (what: string, err: unknown) => void,
  ) {
    this.tail = new EventTail(store, settings.poll_ms, (err) => onError('events: cannot read new events', err));
    this.tail.listen((e) => this.fanOut(e));
  }

  /** Follows the store for streams and runs retention. emit() works without it (the CLI). */
  async start(): Promise<void> {
    await this.tail.start();
    this.started = true;
    this.schedulePrune(1000);
  }

  /** Ends every open stream (the server is stopping), then stops following the store. */
  async stop(): Promise<void> {
    this.closeStreams();
    this.started = false;
    if (this.pruneTimer) clearTimeout(this.pruneTimer);
    this.pruneTimer = null;
    await this.tail.stop();
    await this.pruning;
  }

  closeStreams(): void {
    for (const sub of [...this.subs]) {
      this.subs.delete(sub);
      sub.listener.close();
    }
  }

  async emit(owner: EventOwner, type: EventType, data: Record<string, unknown>): Promise<void> {
    await this.record(owner, type, data);
  }

  /** emit(), resolving to the stored event (the CLI prints its id). */
  async record(owner: EventOwner, type: EventType, data: Record<string, unknown>): Promise<EventDocument> {
    const webhooks = await this.hooks.webhooksFor(owner, type);
    const stored = await this.store.append(owner, type, this.nowMs() / 1000, data, webhooks);
    this.tail.poke();
    this.hooks.stored();
    return eventDocument(stored);
  }

  async list(scope: Scope, query: EventQuery): Promise<EventDocument[]> {
    return (await this.store.list(scope, query)).map(eventDocument);
  }

  /**
   * Opens a live stream of the scope's events after `cursor` (Last-Event-ID; null: from now on).
   * Events stored while the caller was away are replayed from the store first, then live ones
   * follow, each once and in id order. Resolves to the function that closes it.
   */
  async subscribe(scope: Scope, types: EventType[] | null, cursor: number | null, listener: StreamListener): Promise<() => void> {
    const sub: Subscription = { scope, types, listener, sent: 0, buffer: [] };
    // Listening before reading the cursor: nothing stored in between can be missed.
    this.subs.add(sub);
    const unsubscribe = () => this.subs.delete(sub);
    try {
      sub.sent = cursor ?? (await this.store.lastId());
      for (;;) {
        const page = await this.store.list(scope, { since: sub.sent, limit: REPLAY_PAGE, types });
        for (const e of page) this.send(sub, e);
        if (page.length < REPLAY_PAGE || !this.subs.has(sub)) break;
      }
    } catch (err) {
      unsubscribe();
      throw err;
    }
    const waiting = sub.buffer ?? [];
    sub.buffer = null;
    for (const e of waiting) this.send(sub, e);
    return unsubscribe;
  }

  /** How often an idle stream gets a keep-alive comment. */
  get keepaliveMs(): number {
    return this.settings.keepalive_s * 1000;
  }

  get streams(): number {
    return this.subs.size;
  }

  private fanOut(e: EventRecord): void {
    for (const sub of this.subs) {
      if (!eventVisible(sub.scope, e) || (sub.types && !sub.types.includes(e.type))) continue;
      if (sub.buffer) sub.buffer.push(e);
      else this.send(sub, e);
    }
  }

  private send(sub: Subscription, e: EventRecord): void {
    if (e.id <= sub.sent) return;
    sub.sent = e.id;
    sub.listener.event(eventDocument(e));
  }

  private schedulePrune(delayMs: number): void {
    if (!this.started) return;
    this.pruneTimer = setTimeout(() => {
      this.pruneTimer = null;
      this.pruning = this.prune().then(() => undefined).finally(() => {
        this.pruning = null;
        this.schedulePrune(this.settings.prune_interval_s * 1000);
      });
    }, delayMs);
    this.pruneTimer.unref();
  }

  /** Retention in small batches, yielding between them, so requests are never held up for long. */
  async prune(): Promise<number> {
    const before = this.nowMs() / 1000 - this.settings.keep_days * 86_400;
    let total = 0;
    try {
      for (;;) {
        const gone = await this.store.prune(before, this.settings.max_per_project, PRUNE_BATCH);
        total += gone;
        if (gone < PRUNE_BATCH || !this.started) break;
        await new Promise((r) => setImmediate(r));
      }
    } catch (err) {
      this.onError('events: retention failed (it runs again later)', err);
    }
    return total;
  }
}
