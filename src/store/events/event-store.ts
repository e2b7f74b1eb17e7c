import type { EventOwner, EventType } from '../../services/events/event-sink';
import type { Doc, Scope, StartOptions } from '../types';

/**
 * Storage of events, webhooks and webhook deliveries (issue 12, item 5). Beside the document
 * store rather than inside it: its own tables (SQLite) or collections (MongoDB) on the same
 * database, opened by openEventStore(). Every tenant read takes the caller's Scope and applies it
 * here, as the document repositories do.
 */
export interface EventRecord {
  /** Monotonic per deployment: the SSE `id:` and the `since` cursor. */
  id: number;
  type: EventType;
  project_id: string | null;
  user_id: string;
  /** Epoch seconds (ms precision). */
  time: number;
  data: Doc;
}

export interface EventPage {
  /** Events with an id above this. */
  since: number;
  limit: number;
  /** null: every type. */
  types: readonly EventType[] | null;
}

export interface WebhookRecord {
  webhook_id: string;
  project_id: string | null;
  user_id: string;
  url: string;
  /** Write-only in the API: never presented, logged or put in a URL. */
  secret: string;
  /** Event types it receives; empty: every type. */
  events: EventType[];
  enabled: boolean;
  description: string;
  created_at: number;
  updated_at: number;
}

export type DeliveryState = 'pending' | 'delivered' | 'failed';

export interface DeliveryAttempt {
  /** Epoch seconds the attempt started. */
  at: number;
  /** The receiver's status code, or null when there was none (refused, timeout, network). */
  status_code: number | null;
  error: string | null;
  duration_ms: number;
}

export interface DeliveryRecord {
  delivery_id: string;
  webhook_id: string;
  event_id: number;
  event_type: EventType;
  state: DeliveryState;
  attempts: DeliveryAttempt[];
  /** Epoch ms of the next attempt; null once final. */
  next_attempt_at: number | null;
  created_at: number;
}

/** What a worker reports after one attempt (the lease it held is released). */
export interface AttemptOutcome {
  attempt: DeliveryAttempt;
  state: DeliveryState;
  next_attempt_at: number | null;
}

export interface EventStore {
  readonly engine: string;
  /** create false: the database must exist already (CLI); the tables are made when missing. */
  start(opts?: StartOptions): Promise<void>;
  stop(): Promise<void>;

  /**
   * Stores an event and, with it, one pending delivery (due now) per webhook id given: a receiver
   * that is down loses nothing, as the deliveries are written before any is attempted.
   */
  append(owner: EventOwner, type: EventType, time: number, data: Doc, webhookIds: readonly string[]): Promise<EventRecord>;
  /** The scope's events above `since`, oldest first. */
  list(scope: Scope, page: EventPage): Promise<EventRecord[]>;
  /** Every tenant's events above `since`, oldest first (the live tail). */
  after(since: number, limit: number): Promise<EventRecord[]>;
  /** The highest id stored so far (0: none). */
  lastId(): Promise<number>;
  get(id: number): Promise<EventRecord | null>;
  /**
   * Deletes up to `batch` events older than `before` (epoch s), then up to `batch` events beyond
   * the newest `keep` of each owner, and finished deliveries older than `before`. Resolves to how
   * many rows went (call again while it is `batch` or more).
   */
  prune(before: number, keep: number, batch: number): Promise<number>;

  insertWebhook(webhook: WebhookRecord): Promise<void>;
  getWebhook(scope: Scope, webhookId: string): Promise<WebhookRecord | null>;
  /** Oldest first. */
  listWebhooks(scope: Scope): Promise<WebhookRecord[]>;
  /** Read, change, write; null when there is none in scope. */
  updateWebhook(scope: Scope, webhookId: string, mutate: (w: WebhookRecord) => WebhookRecord): Promise<WebhookRecord | null>;
  /** Deletes the webhook and its deliveries; false when there was none in scope. */
  deleteWebhook(scope: Scope, webhookId: string): Promise<boolean>;
  /** The enabled webhooks an event of this owner goes to (their own owner is exactly it). */
  webhooksOf(owner: EventOwner): Promise<WebhookRecord[]>;
  /** Whatever the scope (the delivery worker). */
  webhookById(webhookId: string): Promise<WebhookRecord | null>;

  /** A webhook's deliveries, newest first. */
  deliveries(webhookId: string, limit: number): Promise<DeliveryRecord[]>;
  /**
   * Takes up to `limit` pending deliveries due at `now` (epoch ms) that no live lease holds, and
   * leases them to `owner` until now + leaseMs: with several processes each is attempted by one.
   */
  claimDue(now: number, leaseMs: number, owner: string, limit: number): Promise<DeliveryRecord[]>;
  /** Records an attempt and releases the lease; false when `owner` no longer held it. */
  finishAttempt(deliveryId: string, owner: string, outcome: AttemptOutcome): Promise<boolean>;
}
