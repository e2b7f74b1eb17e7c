import { BadRequestError, NoSuchDocumentError, NotFoundError } from '../../errors';
import type { DeliveryRecord, EventStore, WebhookRecord } from '../../store/events/event-store';
import { assertWritable } from '../../store/project-access';
import type { Scope } from '../../store/types';
import type { Validator } from '../../validation';
import { bodyObject, newId } from '../common';
import type { EventOwner, EventType } from './event-sink';
import { checkEventTypes } from './event-types';
import { hostProblem, urlProblem } from './target-guard';

/** A webhook as the API shows it: never its secret, only that one is set. */
export interface WebhookDocument {
  webhook_id: string;
  url: string;
  events: EventType[];
  enabled: boolean;
  description: string;
  secret_set: true;
  project_id: string | null;
  created_at: number;
  updated_at: number;
}

export function webhookDocument(w: WebhookRecord): WebhookDocument {
  return {
    webhook_id: w.webhook_id,
    url: w.url,
    events: w.events,
    enabled: w.enabled,
    description: w.description,
    secret_set: true,
    project_id: w.project_id,
    created_at: w.created_at,
    updated_at: w.updated_at,
  };
}

/** A delivery as the log shows it (times in epoch seconds). */
export function deliveryDocument(d: DeliveryRecord): Record<string, unknown> {
  return {
    delivery_id: d.delivery_id,
    event_id: d.event_id,
    event_type: d.event_type,
    state: d.state,
    attempts: d.attempts,
    next_attempt_at: d.next_attempt_at === null ? null : d.next_attempt_at / 1000,
    created_at: d.created_at,
  };
}

const DELIVERY_LOG_DEFAULT = 20;
/** Webhooks per scope: each event costs one delivery per webhook, so a tenant cannot fan out without bound. */
export const MAX_WEBHOOKS_PER_SCOPE = 50;
const DELIVERY_LOG_MAX = 1000;

/**
 * Webhooks per tenant scope (v2: the caller's project; v1: the user's own documents), as jobs
 * are scoped. Targets are checked when saved (form, scheme, where the host resolves) and again
 * by the delivery worker when it connects.
 */
export class WebhooksService {
  constructor(
    private readonly store: EventStore,
    private readonly validator: Validator,
    private readonly allowPrivateTargets: boolean,
    private readonly nowMs: () => number = Date.now,
  ) {}

  async create(scope: Scope, body: unknown): Promise<WebhookDocument> {
    const input = bodyObject(body, 'Missing request body');
    checkSecret(input.secret);
    this.validator.assert('webhook', input);
    const url = await this.checkUrl(String(input.url));
    if ((await this.store.listWebhooks(scope)).length >= MAX_WEBHOOKS_PER_SCOPE) {
      throw new BadRequestError(`at most ${MAX_WEBHOOKS_PER_SCOPE} webhooks per project: delete one first`);
    }
    const now = this.nowMs() / 1000;
    const record: WebhookRecord = {
      webhook_id: newId(),
      project_id: scope.projectId,
      user_id: scope.userId,
      url,
      secret: String(input.secret),
      events: checkEventTypes((input.events as string[] | undefined) ?? [], 'events'),
      enabled: input.enabled === undefined ? true : Boolean(input.enabled),
      description: typeof input.description === 'string' ? input.description : '',
      created_at: now,
      updated_at: now,
    };
    await this.store.insertWebhook(record);
    return webhookDocument(record);
  }

  async list(scope: Scope): Promise<WebhookDocument[]> {
    return (await this.store.listWebhooks(scope)).map(webhookDocument);
  }

  /** A GET of one missing webhook (or its log) answers an empty 404, as every GET of one document. */
  async get(scope: Scope, webhookId: string): Promise<WebhookDocument> {
    const found = await this.store.getWebhook(scope, webhookId);
    if (!found) throw new NoSuchDocumentError();
    return webhookDocument(found);
  }

  async patch(scope: Scope, webhookId: string, body: unknown): Promise<WebhookDocument> {
    const input = bodyObject(body, 'Missing request body');
    checkSecret(input.secret);
    this.validator.assert('webhook_patch', input);
    const existing = await this.find(scope, webhookId);
    assertWritable(scope, existing.project_id ?? '');
    const url = input.url === undefined ? undefined : await this.checkUrl(String(input.url));
    const events = input.events === undefined ? undefined : checkEventTypes(input.events as string[], 'events');
    const now = this.nowMs() / 1000;
    const updated = await this.store.updateWebhook(scope, webhookId, (w) => ({
      ...w,
      ...(url !== undefined ? { url } : {}),
      ...(events !== undefined ? { events } : {}),
      ...(typeof input.secret === 'string' ? { secret: input.secret } : {}),
      ...(typeof input.enabled === 'boolean' ? { enabled: input.enabled } : {}),
      ...(typeof input.description === 'string' ? { description: input.description } : {}),
      updated_at: now,
    }));
    if (!updated) throw notFound(webhookId);
    return webhookDocument(updated);
  }

  /** false when there was none in scope (v2 answers 204 all the same, v1 404, as for jobs). */
  async delete(scope: Scope, webhookId: string): Promise<boolean> {
    const existing = await this.store.getWebhook(scope, webhookId);
    if (!existing) return false;
    assertWritable(scope, existing.project_id ?? '');
    return this.store.deleteWebhook(scope, webhookId);
  }

  async deliveries(scope: Scope, webhookId: string, limitParam: unknown): Promise<Record<string, unknown>[]> {
    const limit = parseLimit(limitParam);
    if (!(await this.store.getWebhook(scope, webhookId))) throw new NoSuchDocumentError();
    return (await this.store.deliveries(webhookId, limit)).map(deliveryDocument);
  }

  /** The enabled webhooks an event goes to: the owner's own, whose filter admits the type. */
  async webhooksFor(owner: EventOwner, type: EventType): Promise<string[]> {
    return (await this.store.webhooksOf(owner)).filter((w) => w.events.length === 0 || w.events.includes(type)).map((w) => w.webhook_id);
  }

  private async find(scope: Scope, webhookId: string): Promise<WebhookRecord> {
    const found = await this.store.getWebhook(scope, webhookId);
    if (!found) throw notFound(webhookId);
    return found;
  }

  private async checkUrl(url: string): Promise<string> {
    const problem = urlProblem(url) ?? (await hostProblem(new URL(url).hostname, this.allowPrivateTargets));
    if (problem) throw new BadRequestError(problem);
    return url;
  }
}

/** Before the schema, whose messages quote the value: a refused secret is never echoed either. */
function checkSecret(secret: unknown): void {
  if (secret === undefined) return;
  if (typeof secret !== 'string' || secret.length < 16 || secret.length > 256) {
    throw new BadRequestError('secret: must be a string of 16 to 256 characters');
  }
}

function notFound(webhookId: string): NotFoundError {
  return new NotFoundError(`No webhook found with ID:${webhookId}`);
}

function parseLimit(raw: unknown): number {
  if (raw === undefined) return DELIVERY_LOG_DEFAULT;
  const text = String(Array.isArray(raw) ? raw[raw.length - 1] : raw).trim();
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > DELIVERY_LOG_MAX) {
    throw new BadRequestError(`limit: must be an integer from 1 to ${DELIVERY_LOG_MAX}`);
  }
  return Number(text);
}
