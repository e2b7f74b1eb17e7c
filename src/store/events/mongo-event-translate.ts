import type { EventOwner, EventType } from '../../services/events/event-sink';
import { readableProjects } from '../project-access';
import type { Doc, Scope } from '../types';
import type { AttemptOutcome, DeliveryRecord, EventPage, EventRecord, WebhookRecord } from './event-store';

/**
 * Pure translation of the events store's calls into MongoDB filters, updates and records (no
 * driver here: unit-tested). User input reaches a filter only as a plain string or number compared
 * for equality or range, or a list of known event types inside `$in`. `project_id` is '' for v1
 * owners, as in the document collections.
 */
export type Filter = Record<string, unknown>;

export interface EventDoc {
  id: number;
  type: string;
  user_id: string;
  project_id: string;
  time: number;
  /** JSON text, as the document collections keep documents. */
  data: string;
}

export interface WebhookDoc {
  seq: number;
  webhook_id: string;
  user_id: string;
  project_id: string;
  secret: string;
  doc: string;
}

export interface DeliveryDoc {
  seq: number;
  delivery_id: string;
  webhook_id: string;
  event_id: number;
  event_type: string;
  state: string;
  attempts: DeliveryRecord['attempts'];
  next_at: number | null;
  lease_until: number | null;
  lease_owner: string | null;
  created_at: number;
}

/** The counter document (in `counters`, beside the collections' own) that numbers events. */
export const EVENT_COUNTER = 'events';

/** Index specs per collection: each filter below names the one it uses. */
export const EVENT_INDEXES: Record<'events' | 'webhooks' | 'webhook_deliveries', Array<{ key: Record<string, 1 | -1>; unique?: boolean; partial?: Filter }>> = {
  events: [{ key: { id: 1 }, unique: true }, { key: { user_id: 1, project_id: 1, id: 1 } }, { key: { user_id: 1, id: 1 } }, { key: { time: 1 } }],
  webhooks: [{ key: { webhook_id: 1 }, unique: true }, { key: { user_id: 1, project_id: 1, seq: 1 } }],
  webhook_deliveries: [
    { key: { delivery_id: 1 }, unique: true },
    { key: { next_at: 1 }, partial: { state: 'pending' } },
    { key: { webhook_id: 1, seq: -1 } },
  ],
};

export function eventDoc(id: number, owner: EventOwner, type: EventType, time: number, data: Doc): EventDoc {
  return { id, type, user_id: owner.userId, project_id: owner.projectId ?? '', time, data: JSON.stringify(data) };
}

export function toEvent(d: EventDoc): EventRecord {
  return {
    id: d.id,
    type: d.type as EventType,
    project_id: d.project_id === '' ? null : d.project_id,
    user_id: d.user_id,
    time: d.time,
    data: JSON.parse(d.data) as Doc,
  };
}

/** The owner part of a tenant filter (events and webhooks alike). */
export function scopeFilter(scope: Scope): Filter {
  const filter: Filter = { user_id: String(scope.userId) };
  if (scope.projectId !== null) filter.project_id = String(scope.projectId);
  else {
    const readable = readableProjects(scope);
    if (readable) filter.project_id = { $in: readable };
  }
  return filter;
}

/** A page of a tenant's events (index user_id/project_id/id or user_id/id), sorted by id. */
export function eventPageFilter(scope: Scope, page: EventPage): Filter {
  const filter: Filter = { ...scopeFilter(scope), id: { $gt: page.since } };
  if (page.types) filter.type = { $in: [...page.types] };
  return filter;
}

/** Events of one owner older than the cut (the per-owner cap). */
export function ownerBeforeFilter(owner: { user_id: string; project_id: string }, cut: number): Filter {
  return { user_id: owner.user_id, project_id: owner.project_id, id: { $lte: cut } };
}

export function webhookDocOf(w: WebhookRecord, seq: number): WebhookDoc {
  return { seq, webhook_id: w.webhook_id, user_id: w.user_id, project_id: w.project_id ?? '', secret: w.secret, doc: JSON.stringify(webhookBody(w)) };
}

export function toWebhook(d: WebhookDoc): WebhookRecord {
  const body = JSON.parse(d.doc) as Omit<WebhookRecord, 'webhook_id' | 'user_id' | 'project_id' | 'secret'>;
  return { webhook_id: d.webhook_id, user_id: d.user_id, project_id: d.project_id === '' ? null : d.project_id, secret: d.secret, ...body };
}

function webhookBody(w: WebhookRecord): Doc {
  return { url: w.url, events: w.events, enabled: w.enabled, description: w.description, created_at: w.created_at, updated_at: w.updated_at };
}

/** A webhook in scope, for get/update/delete. */
export function webhookFilter(scope: Scope, webhookId: string): Filter {
  return { ...scopeFilter(scope), webhook_id: String(webhookId) };
}

/** The webhooks of exactly this owner (an event's). */
export function ownerWebhooksFilter(owner: EventOwner): Filter {
  return { user_id: owner.userId, project_id: owner.projectId ?? '' };
}

export function newDelivery(seq: number, deliveryId: string, webhookId: string, event: { id: number; type: string; time: number }): DeliveryDoc {
  return {
    seq,
    delivery_id: deliveryId,
    webhook_id: webhookId,
    event_id: event.id,
    event_type: event.type,
    state: 'pending',
    attempts: [],
    next_at: event.time * 1000,
    lease_until: null,
    lease_owner: null,
    created_at: event.time,
  };
}

/** A due pending delivery no live lease holds (index next_at, partial on pending). */
export function claimFilter(now: number): Filter {
  return { state: 'pending', next_at: { $lte: now }, $or: [{ lease_until: null }, { lease_until: { $lt: now } }] };
}

export function leaseUpdate(now: number, leaseMs: number, owner: string): Filter {
  return { $set: { lease_until: now + leaseMs, lease_owner: owner } };
}

/** Only the holder of the lease may record the attempt. */
export function finishFilter(deliveryId: string, owner: string): Filter {
  return { delivery_id: String(deliveryId), lease_owner: owner };
}

export function finishUpdate(outcome: AttemptOutcome): Filter {
  return {
    $push: { attempts: outcome.attempt },
    $set: { state: outcome.state, next_at: outcome.next_attempt_at, lease_until: null, lease_owner: null },
  };
}

/** Finished deliveries older than `before` (retention). */
export function oldDeliveriesFilter(before: number): Filter {
  return { state: { $ne: 'pending' }, created_at: { $lt: before } };
}

export function toDelivery(d: DeliveryDoc): DeliveryRecord {
  return {
    delivery_id: d.delivery_id,
    webhook_id: d.webhook_id,
    event_id: d.event_id,
    event_type: d.event_type as EventType,
    state: d.state as DeliveryRecord['state'],
    attempts: d.attempts,
    next_attempt_at: d.next_at,
    created_at: d.created_at,
  };
}
