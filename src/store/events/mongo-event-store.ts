import mongoose, { type Connection, type mongo } from 'mongoose';
import type { EventOwner, EventType } from '../../services/events/event-sink';
import { newId } from '../../services/common';
import { StoreUnavailableError } from '../../errors';
import { guard } from '../mongo/guard';
import { safeUrl, scrubCredentials } from '../mongo/safe-url';
import { MissingDatabaseError, type Doc, type Scope, type StartOptions } from '../types';
import type { AttemptOutcome, DeliveryRecord, EventPage, EventRecord, EventStore, WebhookRecord } from './event-store';
import {
  EVENT_COUNTER,
  EVENT_INDEXES,
  claimFilter,
  eventDoc,
  eventPageFilter,
  finishFilter,
  finishUpdate,
  leaseUpdate,
  newDelivery,
  oldDeliveriesFilter,
  ownerBeforeFilter,
  ownerWebhooksFilter,
  scopeFilter,
  toDelivery,
  toEvent,
  toWebhook,
  webhookDocOf,
  webhookFilter,
  type DeliveryDoc,
  type EventDoc,
  type WebhookDoc,
} from './mongo-event-translate';

interface Counter {
  _id: string;
  seq: number;
}

/**
 * The events store on MongoDB: a thin adapter over the driver's collections (the filters are
 * built and tested in mongo-event-translate.ts). Event ids come from an atomic counter, so they
 * increase across every server; one allocated by an insert that then failed is simply skipped
 * (the live tail waits briefly at such a gap: see event-tail.ts).
 */
export class MongoEventStore implements EventStore {
  readonly engine = 'mongodb';
  private conn: Connection | null = null;

  constructor(private readonly opts: { url: string }) {}

  async start(opts: StartOptions = {}): Promise<void> {
    let conn: Connection | undefined;
    try {
      conn = mongoose.createConnection(this.opts.url, { bufferCommands: false, serverSelectionTimeoutMS: 5000 });
      await conn.asPromise();
      const db = conn.db;
      if (!db) throw new Error('no database');
      if (!(opts.create ?? true)) {
        const found = await db.listCollections({ name: 'registry' }, { nameOnly: true }).toArray();
        if (found.length === 0) throw new MissingDatabaseError(safeUrl(this.opts.url));
      }
      for (const [name, specs] of Object.entries(EVENT_INDEXES)) {
        for (const spec of specs) {
          await db.collection(name).createIndex(spec.key, { unique: spec.unique ?? false, ...(spec.partial ? { partialFilterExpression: spec.partial } : {}) });
        }
      }
      this.conn = conn;
    } catch (err) {
      await conn?.close(true).catch(() => undefined);
      if (err instanceof MissingDatabaseError) throw err;
      const reason = scrubCredentials(err instanceof Error ? err.message : String(err));
      throw new StoreUnavailableError(`cannot use MongoDB at ${safeUrl(this.opts.url)}: ${reason}`);
    }
  }

  async stop(): Promise<void> {
    const conn = this.conn;
    this.conn = null;
    await conn?.close();
  }

  async append(owner: EventOwner, type: EventType, time: number, data: Doc, webhookIds: readonly string[]): Promise<EventRecord> {
    return guard(async () => {
      const id = await this.next(EVENT_COUNTER);
      await this.events().insertOne(eventDoc(id, owner, type, time, data));
      // Not one transaction with the event (that needs a replica set): a crash between the two
      // writes loses the deliveries of this one event, never an event.
      if (webhookIds.length > 0) {
        const docs: DeliveryDoc[] = [];
        for (const hook of webhookIds) docs.push(newDelivery(await this.next('webhook_deliveries'), newId(), hook, { id, type, time }));
        await this.deliveriesColl().insertMany(docs);
      }
      return { id, type, project_id: owner.projectId, user_id: owner.userId, time, data };
    });
  }

  list(scope: Scope, page: EventPage): Promise<EventRecord[]> {
    return guard(async () => (await this.events().find(eventPageFilter(scope, page)).sort({ id: 1 }).limit(page.limit).toArray()).map(toEvent));
  }

  after(since: number, limit: number): Promise<EventRecord[]> {
    return guard(async () => (await this.events().find({ id: { $gt: since } }).sort({ id: 1 }).limit(limit).toArray()).map(toEvent));
  }

  lastId(): Promise<number> {
    return guard(async () => (await this.counters().findOne({ _id: EVENT_COUNTER }))?.seq ?? 0);
  }

  get(id: number): Promise<EventRecord | null> {
    return guard(async () => {
      const d = await this.events().findOne({ id: Number(id) });
      return d ? toEvent(d) : null;
    });
  }

  prune(before: number, keep: number, batch: number): Promise<number> {
    return guard(async () => {
      const old = await this.events().find({ time: { $lt: before } }, { projection: { id: 1 } }).sort({ time: 1 }).limit(batch).toArray();
      let gone = old.length > 0 ? (await this.events().deleteMany({ id: { $in: old.map((d) => d.id) } })).deletedCount : 0;
      const over = await this.events()
        .aggregate<{ _id: { user_id: string; project_id: string } }>([
          { $group: { _id: { user_id: '$user_id', project_id: '$project_id' }, n: { $sum: 1 } } },
          { $match: { n: { $gt: keep } } },
        ])
        .toArray();
      for (const { _id: owner } of over) {
        if (gone >= batch) break;
        const cut = await this.events().find({ user_id: owner.user_id, project_id: owner.project_id }).sort({ id: -1 }).skip(keep).limit(1).toArray();
        if (cut.length === 0) continue;
        const ids = await this.events()
          .find(ownerBeforeFilter(owner, cut[0].id), { projection: { id: 1 } })
          .sort({ id: 1 })
          .limit(batch - gone)
          .toArray();
        gone += (await this.events().deleteMany({ id: { $in: ids.map((d) => d.id) } })).deletedCount;
      }
      const done = await this.deliveriesColl().find(oldDeliveriesFilter(before), { projection: { delivery_id: 1 } }).limit(batch).toArray();
      if (done.length > 0) gone += (await this.deliveriesColl().deleteMany({ delivery_id: { $in: done.map((d) => d.delivery_id) } })).deletedCount;
      return gone;
    });
  }

  async insertWebhook(w: WebhookRecord): Promise<void> {
    await guard(async () => this.webhooks().insertOne(webhookDocOf(w, await this.next('webhooks'))));
  }

  getWebhook(scope: Scope, webhookId: string): Promise<WebhookRecord | null> {
    return guard(async () => {
      const d = await this.webhooks().findOne(webhookFilter(scope, webhookId));
      return d ? toWebhook(d) : null;
    });
  }

  listWebhooks(scope: Scope): Promise<WebhookRecord[]> {
    return guard(async () => (await this.webhooks().find(scopeFilter(scope)).sort({ seq: 1 }).toArray()).map(toWebhook));
  }

  updateWebhook(scope: Scope, webhookId: string, mutate: (w: WebhookRecord) => WebhookRecord): Promise<WebhookRecord | null> {
    return guard(async () => {
      // Compare-and-set on the stored text: a concurrent change makes this read again.
      for (let attempt = 0; attempt < 100; attempt++) {
        const d = await this.webhooks().findOne(webhookFilter(scope, webhookId));
        if (!d) return null;
        const next = mutate(toWebhook(d));
        const fresh = webhookDocOf(next, d.seq);
        const res = await this.webhooks().updateOne({ webhook_id: d.webhook_id, doc: d.doc, secret: d.secret }, { $set: { doc: fresh.doc, secret: fresh.secret } });
        if (res.matchedCount === 1) return next;
      }
      throw new StoreUnavailableError('the webhook is being changed too often; try again');
    });
  }

  deleteWebhook(scope: Scope, webhookId: string): Promise<boolean> {
    return guard(async () => {
      const res = await this.webhooks().deleteOne(webhookFilter(scope, webhookId));
      if (res.deletedCount === 0) return false;
      await this.deliveriesColl().deleteMany({ webhook_id: String(webhookId) });
      return true;
    });
  }

  webhooksOf(owner: EventOwner): Promise<WebhookRecord[]> {
    return guard(async () => (await this.webhooks().find(ownerWebhooksFilter(owner)).sort({ seq: 1 }).toArray()).map(toWebhook).filter((w) => w.enabled));
  }

  webhookById(webhookId: string): Promise<WebhookRecord | null> {
    return guard(async () => {
      const d = await this.webhooks().findOne({ webhook_id: String(webhookId) });
      return d ? toWebhook(d) : null;
    });
  }

  deliveries(webhookId: string, limit: number): Promise<DeliveryRecord[]> {
    return guard(async () => (await this.deliveriesColl().find({ webhook_id: String(webhookId) }).sort({ seq: -1 }).limit(limit).toArray()).map(toDelivery));
  }

  claimDue(now: number, leaseMs: number, owner: string, limit: number): Promise<DeliveryRecord[]> {
    return guard(async () => {
      const out: DeliveryRecord[] = [];
      // One atomic findOneAndUpdate per delivery: two servers never lease the same one.
      while (out.length < limit) {
        const d = await this.deliveriesColl().findOneAndUpdate(claimFilter(now), leaseUpdate(now, leaseMs, owner), { sort: { next_at: 1 }, returnDocument: 'after' });
        if (!d) break;
        out.push(toDelivery(d));
      }
      return out;
    });
  }

  finishAttempt(deliveryId: string, owner: string, outcome: AttemptOutcome): Promise<boolean> {
    return guard(async () => (await this.deliveriesColl().updateOne(finishFilter(deliveryId, owner), finishUpdate(outcome))).matchedCount === 1);
  }

  private async next(name: string): Promise<number> {
    const c = await this.counters().findOneAndUpdate({ _id: name }, { $inc: { seq: 1 } }, { upsert: true, returnDocument: 'after' });
    return c?.seq ?? 1;
  }

  private db(): mongo.Db {
    const db = this.conn?.db;
    if (!db) throw new StoreUnavailableError('the events store is not started');
    return db;
  }

  private events(): mongo.Collection<EventDoc> {
    return this.db().collection<EventDoc>('events');
  }

  private webhooks(): mongo.Collection<WebhookDoc> {
    return this.db().collection<WebhookDoc>('webhooks');
  }

  private deliveriesColl(): mongo.Collection<DeliveryDoc> {
    return this.db().collection<DeliveryDoc>('webhook_deliveries');
  }

  private counters(): mongo.Collection<Counter> {
    return this.db().collection<Counter>('counters');
  }
}
