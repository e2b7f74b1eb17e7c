import fs from 'node:fs';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import type { EventOwner, EventType } from '../../services/events/event-sink';
import { newId } from '../../services/common';
import { StoreUnavailableError } from '../../errors';
import { GroupCommit, READ_BUSY_TIMEOUT_MS } from '../sqlite/group-commit';
import { statementCache } from '../sqlite/statement-cache';
import { readableProjects } from '../project-access';
import { MissingDatabaseError, type Doc, type Scope, type StartOptions } from '../types';
import type { AttemptOutcome, DeliveryRecord, EventPage, EventRecord, EventStore, WebhookRecord } from './event-store';

/**
 * Tables beside the documents' in the same SQLite file, on a connection of their own (with its
 * own group commit, so its writes never block the event loop on another process's lock).
 * `project_id` is '' for v1 owners, as in the document tables. Index use:
 *  - `events` PK id         the live tail (id > ?), get(id); AUTOINCREMENT: ids never reused
 *  - `events_scope_id`      a v2 page (user, project, id > ?) in id order without sorting
 *  - `events_user_id`       a v1 page (user, id > ?)
 *  - `events_time`          age retention
 *  - `webhooks_scope_seq`   a tenant's webhooks in creation order, and those an event goes to
 *  - `deliveries_due`       claims: pending deliveries by due time (partial index)
 *  - `deliveries_hook_seq`  a webhook's delivery log, newest first
 */
const DDL = `
  CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    type TEXT NOT NULL,
    user_id TEXT NOT NULL,
    project_id TEXT NOT NULL,
    time REAL NOT NULL,
    data TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS events_scope_id ON events (user_id, project_id, id);
  CREATE INDEX IF NOT EXISTS events_user_id ON events (user_id, id);
  CREATE INDEX IF NOT EXISTS events_time ON events (time);
  CREATE TABLE IF NOT EXISTS webhooks (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL,
    project_id TEXT NOT NULL,
    secret TEXT NOT NULL,
    doc TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS webhooks_scope_seq ON webhooks (user_id, project_id, seq);
  CREATE TABLE IF NOT EXISTS webhook_deliveries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id TEXT NOT NULL UNIQUE,
    webhook_id TEXT NOT NULL,
    event_id INTEGER NOT NULL,
    event_type TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts TEXT NOT NULL,
    next_at REAL,
    lease_until REAL,
    lease_owner TEXT,
    created_at REAL NOT NULL
  );
  CREATE INDEX IF NOT EXISTS deliveries_due ON webhook_deliveries (next_at) WHERE state = 'pending';
  CREATE INDEX IF NOT EXISTS deliveries_hook_seq ON webhook_deliveries (webhook_id, seq);
`;

interface EventRow {
  id: number;
  type: string;
  user_id: string;
  project_id: string;
  time: number;
  data: string;
}

interface WebhookRow {
  webhook_id: string;
  user_id: string;
  project_id: string;
  secret: string;
  doc: string;
}

interface DeliveryRow {
  delivery_id: string;
  webhook_id: string;
  event_id: number;
  event_type: string;
  state: string;
  attempts: string;
  next_at: number | null;
  created_at: number;
}

export class SqliteEventStore implements EventStore {
  readonly engine = 'sqlite';
  private db: Database | null = null;
  private writer: GroupCommit | null = null;
  private readonly sql = statementCache(() => this.open());

  constructor(private readonly opts: { file: string; synchronous: 'NORMAL' | 'FULL' }) {}

  async start(opts: StartOptions = {}): Promise<void> {
    const file = this.opts.file;
    if (file !== ':memory:' && !(opts.create ?? true) && !fs.existsSync(file)) throw new MissingDatabaseError(file);
    // The document store opened (and created, with owner-only modes) the file first.
    const db = new BetterSqlite3(file);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${this.opts.synchronous}`);
    db.pragma(`busy_timeout = ${READ_BUSY_TIMEOUT_MS}`);
    this.writer = new GroupCommit(db);
    this.db = db;
    await this.writer.run(() => db.exec(DDL));
  }

  async stop(): Promise<void> {
    await this.writer?.drain();
    this.writer = null;
    this.sql.clear();
    this.db?.close();
    this.db = null;
  }

  append(owner: EventOwner, type: EventType, time: number, data: Doc, webhookIds: readonly string[]): Promise<EventRecord> {
    const json = JSON.stringify(data);
    return this.write(() => {
      const info = this.sql('INSERT INTO events (type, user_id, project_id, time, data) VALUES (?, ?, ?, ?, ?)').run(
        type,
        owner.userId,
        owner.projectId ?? '',
        time,
        json,
      );
      const id = Number(info.lastInsertRowid);
      const insert = this.sql(
        "INSERT INTO webhook_deliveries (delivery_id, webhook_id, event_id, event_type, state, attempts, next_at, created_at) VALUES (?, ?, ?, ?, 'pending', '[]', ?, ?)",
      );
      for (const hook of webhookIds) insert.run(newId(), hook, id, type, time * 1000, time);
      return { id, type, project_id: owner.projectId, user_id: owner.userId, time, data };
    });
  }

  async list(scope: Scope, page: EventPage): Promise<EventRecord[]> {
    const where = ['user_id = ?', 'id > ?'];
    const args: unknown[] = [scope.userId, page.since];
    if (scope.projectId !== null) {
      where.push('project_id = ?');
      args.push(scope.projectId);
    } else {
      const readable = readableProjects(scope);
      if (readable) {
        where.push(`project_id IN (${readable.map(() => '?').join(', ')})`);
        args.push(...readable);
      }
    }
    if (page.types) {
      where.push(`type IN (${page.types.map(() => '?').join(', ')})`);
      args.push(...page.types);
    }
    const rows = this.open().prepare(`SELECT * FROM events WHERE ${where.join(' AND ')} ORDER BY id LIMIT ?`).all(...args, page.limit) as EventRow[];
    return rows.map(toEvent);
  }

  async after(since: number, limit: number): Promise<EventRecord[]> {
    return (this.sql('SELECT * FROM events WHERE id > ? ORDER BY id LIMIT ?').all(since, limit) as EventRow[]).map(toEvent);
  }

  async lastId(): Promise<number> {
    // The AUTOINCREMENT counter, not max(id): it stays put when the newest events are pruned.
    const seq = this.sql("SELECT seq FROM sqlite_sequence WHERE name = 'events'").pluck().get() as number | undefined;
    return seq ?? 0;
  }

  async get(id: number): Promise<EventRecord | null> {
    const row = this.sql('SELECT * FROM events WHERE id = ?').get(id) as EventRow | undefined;
    return row ? toEvent(row) : null;
  }

  async prune(before: number, keep: number, batch: number): Promise<number> {
    let gone = await this.write(
      () => this.sql('DELETE FROM events WHERE id IN (SELECT id FROM events WHERE time < ? ORDER BY time LIMIT ?)').run(before, batch).changes,
    );
    // Read outside the write transaction (it walks the whole index (user_id, project_id, id),
    // without a table read) so that it never holds the write lock.
    const over = this.sql('SELECT user_id, project_id FROM events GROUP BY user_id, project_id HAVING count(*) > ?').all(keep) as Array<{
      user_id: string;
      project_id: string;
    }>;
    for (const o of over) {
      if (gone >= batch) break;
      const left = batch - gone;
      gone += await this.write(() => {
        const cut = this.sql('SELECT id FROM events WHERE user_id = ? AND project_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?')
          .pluck()
          .get(o.user_id, o.project_id, keep) as number | undefined;
        if (cut === undefined) return 0;
        return this.sql('DELETE FROM events WHERE id IN (SELECT id FROM events WHERE user_id = ? AND project_id = ? AND id <= ? ORDER BY id LIMIT ?)').run(
          o.user_id,
          o.project_id,
          cut,
          left,
        ).changes;
      });
    }
    gone += await this.write(
      () =>
        this.sql("DELETE FROM webhook_deliveries WHERE seq IN (SELECT seq FROM webhook_deliveries WHERE state != 'pending' AND created_at < ? LIMIT ?)").run(
          before,
          batch,
        ).changes,
    );
    return gone;
  }

  async insertWebhook(w: WebhookRecord): Promise<void> {
    await this.write(() =>
      this.sql('INSERT INTO webhooks (webhook_id, user_id, project_id, secret, doc) VALUES (?, ?, ?, ?, ?)').run(
        w.webhook_id,
        w.user_id,
        w.project_id ?? '',
        w.secret,
        JSON.stringify(webhookDoc(w)),
      ),
    );
  }

  async getWebhook(scope: Scope, webhookId: string): Promise<WebhookRecord | null> {
    const row = this.sql('SELECT * FROM webhooks WHERE webhook_id = ?').get(webhookId) as WebhookRow | undefined;
    return row && inScope(scope, row) ? toWebhook(row) : null;
  }

  async listWebhooks(scope: Scope): Promise<WebhookRecord[]> {
    const rows =
      scope.projectId === null
        ? (this.sql('SELECT * FROM webhooks WHERE user_id = ? ORDER BY seq').all(scope.userId) as WebhookRow[])
        : (this.sql('SELECT * FROM webhooks WHERE user_id = ? AND project_id = ? ORDER BY seq').all(scope.userId, scope.projectId) as WebhookRow[]);
    return rows.filter((r) => inScope(scope, r)).map(toWebhook);
  }

  updateWebhook(scope: Scope, webhookId: string, mutate: (w: WebhookRecord) => WebhookRecord): Promise<WebhookRecord | null> {
    return this.write(() => {
      const row = this.sql('SELECT * FROM webhooks WHERE webhook_id = ?').get(webhookId) as WebhookRow | undefined;
      if (!row || !inScope(scope, row)) return null;
      const next = mutate(toWebhook(row));
      this.sql('UPDATE webhooks SET secret = ?, doc = ? WHERE webhook_id = ?').run(next.secret, JSON.stringify(webhookDoc(next)), webhookId);
      return next;
    });
  }

  deleteWebhook(scope: Scope, webhookId: string): Promise<boolean> {
    return this.write(() => {
      const row = this.sql('SELECT * FROM webhooks WHERE webhook_id = ?').get(webhookId) as WebhookRow | undefined;
      if (!row || !inScope(scope, row)) return false;
      this.sql('DELETE FROM webhooks WHERE webhook_id = ?').run(webhookId);
      this.sql('DELETE FROM webhook_deliveries WHERE webhook_id = ?').run(webhookId);
      return true;
    });
  }

  async webhooksOf(owner: EventOwner): Promise<WebhookRecord[]> {
    const rows = this.sql('SELECT * FROM webhooks WHERE user_id = ? AND project_id = ? ORDER BY seq').all(owner.userId, owner.projectId ?? '') as WebhookRow[];
    return rows.map(toWebhook).filter((w) => w.enabled);
  }

  async webhookById(webhookId: string): Promise<WebhookRecord | null> {
    const row = this.sql('SELECT * FROM webhooks WHERE webhook_id = ?').get(webhookId) as WebhookRow | undefined;
    return row ? toWebhook(row) : null;
  }

  async deliveries(webhookId: string, limit: number): Promise<DeliveryRecord[]> {
    return (this.sql('SELECT * FROM webhook_deliveries WHERE webhook_id = ? ORDER BY seq DESC LIMIT ?').all(webhookId, limit) as DeliveryRow[]).map(
      toDelivery,
    );
  }

  claimDue(now: number, leaseMs: number, owner: string, limit: number): Promise<DeliveryRecord[]> {
    // One write transaction: no other process can take the same rows between the read and the lease.
    return this.write(() => {
      const rows = this.sql(
        "SELECT * FROM webhook_deliveries WHERE state = 'pending' AND next_at <= ? AND (lease_until IS NULL OR lease_until < ?) ORDER BY next_at LIMIT ?",
      ).all(now, now, limit) as DeliveryRow[];
      const lease = this.sql('UPDATE webhook_deliveries SET lease_until = ?, lease_owner = ? WHERE delivery_id = ?');
      for (const r of rows) lease.run(now + leaseMs, owner, r.delivery_id);
      return rows.map(toDelivery);
    });
  }

  finishAttempt(deliveryId: string, owner: string, outcome: AttemptOutcome): Promise<boolean> {
    return this.write(() => {
      const row = this.sql('SELECT attempts FROM webhook_deliveries WHERE delivery_id = ? AND lease_owner = ?').get(deliveryId, owner) as
        | { attempts: string }
        | undefined;
      if (!row) return false;
      const attempts = [...(JSON.parse(row.attempts) as unknown[]), outcome.attempt];
      this.sql('UPDATE webhook_deliveries SET attempts = ?, state = ?, next_at = ?, lease_until = NULL, lease_owner = NULL WHERE delivery_id = ?').run(
        JSON.stringify(attempts),
        outcome.state,
        outcome.next_attempt_at,
        deliveryId,
      );
      return true;
    });
  }

  private write<T>(fn: () => T): Promise<T> {
    if (!this.writer) return Promise.reject(new StoreUnavailableError('the events store is not started'));
    return this.writer.run(fn);
  }

  private open(): Database {
    if (!this.db) throw new StoreUnavailableError('the events store is not started');
    return this.db;
  }
}

function inScope(scope: Scope, row: { user_id: string; project_id: string }): boolean {
  if (row.user_id !== scope.userId) return false;
  if (scope.projectId !== null) return row.project_id === scope.projectId;
  const readable = readableProjects(scope);
  return readable === null || readable.includes(row.project_id);
}

function toEvent(row: EventRow): EventRecord {
  return {
    id: row.id,
    type: row.type as EventType,
    project_id: row.project_id === '' ? null : row.project_id,
    user_id: row.user_id,
    time: row.time,
    data: JSON.parse(row.data) as Doc,
  };
}

/** What the doc column keeps: everything but the owner columns and the secret. */
function webhookDoc(w: WebhookRecord): Doc {
  return { url: w.url, events: w.events, enabled: w.enabled, description: w.description, created_at: w.created_at, updated_at: w.updated_at };
}

function toWebhook(row: WebhookRow): WebhookRecord {
  const doc = JSON.parse(row.doc) as Omit<WebhookRecord, 'webhook_id' | 'user_id' | 'project_id' | 'secret'>;
  return { webhook_id: row.webhook_id, user_id: row.user_id, project_id: row.project_id === '' ? null : row.project_id, secret: row.secret, ...doc };
}

function toDelivery(row: DeliveryRow): DeliveryRecord {
  return {
    delivery_id: row.delivery_id,
    webhook_id: row.webhook_id,
    event_id: row.event_id,
    event_type: row.event_type as EventType,
    state: row.state as DeliveryRecord['state'],
    attempts: JSON.parse(row.attempts) as DeliveryRecord['attempts'],
    next_attempt_at: row.next_at,
    created_at: row.created_at,
  };
}
