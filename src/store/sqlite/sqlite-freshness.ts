import type { Database } from 'better-sqlite3';
import { statementCache } from './statement-cache';
import type {
  ClientFreshness,
  ClientFreshnessQuery,
  FreshnessStore,
  JobFreshness,
  JobFreshnessQuery,
  RecordMutation,
  RecordOwner,
  Updated,
} from '../freshness-types';
import { readableProjects } from '../project-access';
import type { Scope } from '../types';
import type { GroupCommit } from './group-commit';

/**
 * DDL of the freshness records. `project_id` is '' for v1 records, as in the collections.
 * Index use (queries below):
 *  - `freshness_jobs` PK (job_id)          updates by job id
 *  - `freshness_jobs_scope`                GET /freshness/jobs of a tenant in job_id order
 *  - `freshness_jobs_scope_stale`          ... with stale=true|false
 *  - `freshness_jobs_scope_client`         ... with client_id
 *  - `freshness_jobs_user`                 v1 lists (user scope)
 *  - `freshness_jobs_due`                  the sweep: not stale, deadline passed (partial index)
 *  - `freshness_clients` PK                a tenant's client by client_id, and the list order
 *  - `freshness_clients_scope_silent`      GET /freshness/clients?silent=
 *  - `freshness_clients_due`               the sweep: not silent, last seen before the cutoff
 */
export function freshnessDdl(): string {
  return `
    CREATE TABLE IF NOT EXISTS freshness_jobs (
      job_id TEXT PRIMARY KEY,
      user_id TEXT NOT NULL,
      project_id TEXT NOT NULL,
      client_id TEXT NOT NULL,
      stale INTEGER NOT NULL,
      stale_at REAL,
      doc TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS freshness_jobs_scope ON freshness_jobs (user_id, project_id, job_id);
    CREATE INDEX IF NOT EXISTS freshness_jobs_scope_stale ON freshness_jobs (user_id, project_id, stale, job_id);
    CREATE INDEX IF NOT EXISTS freshness_jobs_scope_client ON freshness_jobs (user_id, project_id, client_id, job_id);
    CREATE INDEX IF NOT EXISTS freshness_jobs_user ON freshness_jobs (user_id, job_id);
    CREATE INDEX IF NOT EXISTS freshness_jobs_due ON freshness_jobs (stale_at) WHERE stale = 0 AND stale_at IS NOT NULL;
    CREATE TABLE IF NOT EXISTS freshness_clients (
      user_id TEXT NOT NULL,
      project_id TEXT NOT NULL,
      client_id TEXT NOT NULL,
      silent INTEGER NOT NULL,
      last_seen_at REAL,
      doc TEXT NOT NULL,
      PRIMARY KEY (user_id, project_id, client_id)
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS freshness_clients_scope_silent ON freshness_clients (user_id, project_id, silent, client_id);
    CREATE INDEX IF NOT EXISTS freshness_clients_due ON freshness_clients (last_seen_at) WHERE silent = 0 AND last_seen_at IS NOT NULL;
  `;
}

/** Freshness records in SQLite; writes go through the store's group commit (atomic, no retry). */
export class SqliteFreshness implements FreshnessStore {
  private readonly stmt = statementCache(() => this.db);

  constructor(
    private readonly db: Database,
    private readonly writer: GroupCommit,
  ) {}

  async getJob(jobId: string): Promise<JobFreshness | null> {
    return this.readJob(jobId);
  }

  updateJob(jobId: string, mutate: RecordMutation<JobFreshness>): Promise<Updated<JobFreshness>> {
    return this.writer.run(() => {
      const before = this.readJob(jobId);
      const after = mutate(before === null ? null : structuredClone(before));
      if (!after) return { before, after: before };
      const kept: JobFreshness = { ...after, job_id: jobId };
      this.stmt(
        'INSERT INTO freshness_jobs (job_id, user_id, project_id, client_id, stale, stale_at, doc) VALUES (?, ?, ?, ?, ?, ?, ?) ' +
          'ON CONFLICT (job_id) DO UPDATE SET user_id = excluded.user_id, project_id = excluded.project_id, ' +
          'client_id = excluded.client_id, stale = excluded.stale, stale_at = excluded.stale_at, doc = excluded.doc',
      ).run(jobId, kept.user_id, kept.project_id ?? '', kept.client_id ?? '', kept.stale ? 1 : 0, kept.stale_at, JSON.stringify(kept));
      return { before, after: kept };
    });
  }

  deleteJob(jobId: string): Promise<boolean> {
    return this.writer.run(() => this.stmt('DELETE FROM freshness_jobs WHERE job_id = ?').run(jobId).changes > 0);
  }

  async listJobs(scope: Scope, query: JobFreshnessQuery): Promise<JobFreshness[]> {
    const where = scopeWhere(scope);
    if (query.stale !== undefined) {
      where.sql.push('stale = ?');
      where.params.push(query.stale ? 1 : 0);
    }
    const clientId = scope.clientId ?? query.clientId;
    if (clientId !== undefined && clientId !== null) {
      where.sql.push('client_id = ?');
      where.params.push(clientId);
      if (scope.clientId && query.clientId !== undefined && query.clientId !== scope.clientId) return [];
    }
    const rows = this.stmt(`SELECT doc FROM freshness_jobs WHERE ${where.sql.join(' AND ')} ORDER BY job_id LIMIT ? OFFSET ?`)
      .pluck()
      .all(...where.params, query.limit, query.offset) as string[];
    return rows.map((d) => JSON.parse(d) as JobFreshness);
  }

  async dueJobs(now: number, limit: number): Promise<JobFreshness[]> {
    const rows = this.stmt('SELECT doc FROM freshness_jobs WHERE stale = 0 AND stale_at IS NOT NULL AND stale_at <= ? ORDER BY stale_at LIMIT ?')
      .pluck()
      .all(now, limit) as string[];
    return rows.map((d) => JSON.parse(d) as JobFreshness);
  }

  async getClient(owner: RecordOwner, clientId: string): Promise<ClientFreshness | null> {
    return this.readClient(owner, clientId);
  }

  updateClient(owner: RecordOwner, clientId: string, mutate: RecordMutation<ClientFreshness>): Promise<Updated<ClientFreshness>> {
    return this.writer.run(() => {
      const before = this.readClient(owner, clientId);
      const after = mutate(before === null ? null : structuredClone(before));
      if (!after) return { before, after: before };
      const kept: ClientFreshness = { ...after, client_id: clientId, user_id: owner.userId, project_id: owner.projectId };
      this.stmt(
        'INSERT INTO freshness_clients (user_id, project_id, client_id, silent, last_seen_at, doc) VALUES (?, ?, ?, ?, ?, ?) ' +
          'ON CONFLICT (user_id, project_id, client_id) DO UPDATE SET silent = excluded.silent, ' +
          'last_seen_at = excluded.last_seen_at, doc = excluded.doc',
      ).run(owner.userId, owner.projectId ?? '', clientId, kept.silent ? 1 : 0, kept.last_seen_at, JSON.stringify(kept));
      return { before, after: kept };
    });
  }

  async listClients(scope: Scope, query: ClientFreshnessQuery): Promise<ClientFreshness[]> {
    const where = scopeWhere(scope);
    if (query.silent !== undefined) {
      where.sql.push('silent = ?');
      where.params.push(query.silent ? 1 : 0);
    }
    if (scope.clientId) {
      where.sql.push('client_id = ?');
      where.params.push(scope.clientId);
    }
    const rows = this.stmt(`SELECT doc FROM freshness_clients WHERE ${where.sql.join(' AND ')} ORDER BY client_id LIMIT ? OFFSET ?`)
      .pluck()
      .all(...where.params, query.limit, query.offset) as string[];
    return rows.map((d) => JSON.parse(d) as ClientFreshness);
  }

  async dueClients(cutoff: number, limit: number): Promise<ClientFreshness[]> {
    const rows = this.stmt(
      'SELECT doc FROM freshness_clients WHERE silent = 0 AND last_seen_at IS NOT NULL AND last_seen_at <= ? ORDER BY last_seen_at LIMIT ?',
    )
      .pluck()
      .all(cutoff, limit) as string[];
    return rows.map((d) => JSON.parse(d) as ClientFreshness);
  }

  async *scanSeenClients(): AsyncIterable<ClientFreshness> {
    // Pages by primary key: a statement is not held open across the awaits between pages.
    const first = this.stmt('SELECT user_id, project_id, client_id, doc FROM freshness_clients WHERE last_seen_at IS NOT NULL ORDER BY user_id, project_id, client_id LIMIT 500');
    const next = this.stmt(
      'SELECT user_id, project_id, client_id, doc FROM freshness_clients WHERE (user_id, project_id, client_id) > (?, ?, ?) AND last_seen_at IS NOT NULL ORDER BY user_id, project_id, client_id LIMIT 500',
    );
    type Row = { user_id: string; project_id: string; client_id: string; doc: string };
    for (let after: Row | null = null; ; ) {
      const rows = (after ? next.all(after.user_id, after.project_id, after.client_id) : first.all()) as Row[];
      for (const r of rows) yield JSON.parse(r.doc) as ClientFreshness;
      if (rows.length < 500) return;
      after = rows[rows.length - 1];
    }
  }

  async isBackfilled(): Promise<boolean> {
    return this.stmt("SELECT 1 FROM meta WHERE name = 'freshness_backfilled'").get() !== undefined;
  }

  markBackfilled(): Promise<void> {
    return this.writer.run(() => void this.stmt("INSERT OR REPLACE INTO meta (name, value) VALUES ('freshness_backfilled', '1')").run());
  }

  /** SQLite's plan for a list (EXPLAIN QUERY PLAN details), to check index use. */
  explainJobs(scope: Scope, query: JobFreshnessQuery): string[] {
    const where = scopeWhere(scope);
    if (query.stale !== undefined) where.sql.push('stale = 1');
    if (query.clientId !== undefined) where.sql.push("client_id = 'x'");
    return (this.db.prepare(`EXPLAIN QUERY PLAN SELECT doc FROM freshness_jobs WHERE ${where.sql.join(' AND ')} ORDER BY job_id LIMIT 10`)
      .all(...where.params) as Array<{ detail: string }>).map((r) => r.detail);
  }

  /** SQLite's plans for the sweep's two queries. */
  explainDue(): string[] {
    const plan = (sql: string) => (this.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(1, 10) as Array<{ detail: string }>).map((r) => r.detail);
    return [
      ...plan('SELECT doc FROM freshness_jobs WHERE stale = 0 AND stale_at IS NOT NULL AND stale_at <= ? ORDER BY stale_at LIMIT ?'),
      ...plan('SELECT doc FROM freshness_clients WHERE silent = 0 AND last_seen_at IS NOT NULL AND last_seen_at <= ? ORDER BY last_seen_at LIMIT ?'),
    ];
  }

  private readJob(jobId: string): JobFreshness | null {
    const doc = this.stmt('SELECT doc FROM freshness_jobs WHERE job_id = ?').pluck().get(jobId) as string | undefined;
    return doc === undefined ? null : (JSON.parse(doc) as JobFreshness);
  }

  private readClient(owner: RecordOwner, clientId: string): ClientFreshness | null {
    const doc = this.stmt('SELECT doc FROM freshness_clients WHERE user_id = ? AND project_id = ? AND client_id = ?')
      .pluck()
      .get(owner.userId, owner.projectId ?? '', clientId) as string | undefined;
    return doc === undefined ? null : (JSON.parse(doc) as ClientFreshness);
  }

}

/** The tenant's records: v2 (user, project), v1 the user's in the projects it may read. */
function scopeWhere(scope: Scope): { sql: string[]; params: unknown[] } {
  if (scope.projectId !== null) return { sql: ['user_id = ?', 'project_id = ?'], params: [scope.userId, scope.projectId] };
  const projects = readableProjects(scope);
  if (projects) return { sql: ['user_id = ?', 'project_id IN (SELECT value FROM json_each(?))'], params: [scope.userId, JSON.stringify(projects)] };
  return { sql: ['user_id = ?'], params: [scope.userId] };
}
