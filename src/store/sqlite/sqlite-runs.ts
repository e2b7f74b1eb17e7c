import type { Database } from 'better-sqlite3';
import { statementCache } from './statement-cache';
import { assertWritable } from '../project-access';
import { assertOwnClient, projectColumn } from '../runs/run-scope';
import type { OwnedRun, ProgressWrite, RunPage, RunsRepository } from '../runs/runs-repository';
import { DuplicateError, type Doc, type Scope } from '../types';
import type { GroupCommit } from './group-commit';
import { runListSql, runScopeSql } from './runs-sql';

interface Row {
  seq: number;
  id: string;
  user_id: string;
  project_id: string;
  doc: string;
}

/** What update() reads: the row with its indexed columns, to set only those that change. */
interface FullRow extends Row {
  job_id: string;
  client_id: string;
  status: string;
  created_at: number;
}

const OPEN = "status IN ('queued', 'running')";

/**
 * The runs in SQLite (table and indexes: runs-sql.ts). Writes go through the store's group
 * commit, so a run's report costs a share of one commit, and better-sqlite3 being synchronous
 * makes `update` an atomic read-modify-write. Statements are prepared on first use.
 */
export class SqliteRuns implements RunsRepository {
  private readonly stmt = statementCache(() => this.db);

  constructor(
    private readonly db: Database,
    private readonly writer: GroupCommit,
  ) {}

  async get(scope: Scope, runId: string): Promise<Doc | null> {
    const row = this.find(scope, runId);
    return row ? (JSON.parse(row.doc) as Doc) : null;
  }

  async getJson(scope: Scope, runId: string): Promise<string | null> {
    return this.find(scope, runId)?.doc ?? null;
  }

  async list(scope: Scope, page: RunPage): Promise<string[]> {
    if (page.limit <= 0) return [];
    const q = runListSql(scope, page);
    return this.stmt(q.sql).pluck().all(...q.params) as string[];
  }

  /** SQLite's plan of a list (EXPLAIN QUERY PLAN details), to check that no list scans or sorts. */
  explainList(scope: Scope, page: RunPage): string[] {
    const q = runListSql(scope, page);
    return (this.db.prepare(`EXPLAIN QUERY PLAN ${q.sql}`).all(...q.params) as Array<{ detail: string }>).map((r) => r.detail);
  }

  async insert(scope: Scope, doc: Doc): Promise<void> {
    assertOwnClient(scope, doc);
    const values = [String(doc.run_id), scope.userId, projectColumn(scope), ...columnsOf(doc)];
    return this.writer.run(() => {
      try {
        this.stmt(
          'INSERT INTO runs (id, user_id, project_id, job_id, client_id, status, created_at, updated_at, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
        ).run(...values);
      } catch (err) {
        if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new DuplicateError('id');
        throw err;
      }
    });
  }

  update(scope: Scope, runId: string, mutate: (doc: Doc) => Doc | null): Promise<Doc | null> {
    return this.writer.run(() => {
      const row = this.find(scope, runId);
      if (!row) return null;
      assertWritable(scope, row.project_id);
      const before = JSON.parse(row.doc) as Doc;
      const after = mutate(structuredClone(before));
      if (!after) return before;
      const [jobId, clientId, status, createdAt, updatedAt, doc] = columnsOf(after);
      if (jobId === row.job_id && clientId === row.client_id && status === row.status && createdAt === row.created_at) {
        // A report (progress, heartbeat): SQLite rewrites the entries of every index naming a
        // SET column, so only the columns that change are set (runs_open alone follows updated_at).
        this.stmt('UPDATE runs SET updated_at = ?, doc = ? WHERE seq = ?').run(updatedAt, doc, row.seq);
      } else {
        this.stmt('UPDATE runs SET job_id = ?, client_id = ?, status = ?, created_at = ?, updated_at = ?, doc = ? WHERE seq = ?').run(
          jobId,
          clientId,
          status,
          createdAt,
          updatedAt,
          doc,
          row.seq,
        );
      }
      return after;
    });
  }

  writeProgress(reports: ProgressWrite[]): Promise<string[]> {
    // json_set in SQLite: no parse and serialisation of each whole run in JS. updated_at goes
    // in as JSON text, so the document holds the number exactly as JS wrote it.
    return this.writer.run(() => {
      const update = this.stmt(
        `UPDATE runs SET updated_at = ?, doc = json_set(doc, '$.progress', json(?), '$.updated_at', json(?)) WHERE id = ? AND ${OPEN} AND updated_at < ?`,
      );
      return reports
        .filter((r) => update.run(r.updatedAt, JSON.stringify(r.progress ?? null), JSON.stringify(r.updatedAt), r.runId, r.updatedAt).changes === 1)
        .map((r) => r.runId);
    });
  }

  async openRunOf(jobId: string): Promise<OwnedRun | null> {
    const row = this.stmt(`SELECT seq, id, user_id, project_id, doc FROM runs INDEXED BY runs_job WHERE job_id = ? AND ${OPEN} ORDER BY created_at DESC, id DESC LIMIT 1`).get(
      String(jobId),
    ) as Row | undefined;
    return row ? owned(row) : null;
  }

  async openIdleSince(updatedBefore: number, limit: number): Promise<OwnedRun[]> {
    const rows = this.stmt(`SELECT seq, id, user_id, project_id, doc FROM runs INDEXED BY runs_open WHERE ${OPEN} AND updated_at < ? ORDER BY updated_at LIMIT ?`).all(
      updatedBefore,
      limit,
    ) as Row[];
    return rows.map(owned);
  }

  pruneOlderThan(createdBefore: number, limit: number): Promise<number> {
    return this.writer.run(
      () =>
        this.stmt(
          `DELETE FROM runs WHERE seq IN (SELECT seq FROM runs INDEXED BY runs_created WHERE created_at < ? AND NOT ${OPEN} ORDER BY created_at LIMIT ?)`,
        ).run(createdBefore, limit).changes,
    );
  }

  pruneJobBeyond(jobId: string, keep: number, limit: number): Promise<number> {
    return this.writer.run(
      () =>
        this.stmt(
          `DELETE FROM runs WHERE seq IN (SELECT seq FROM runs INDEXED BY runs_job WHERE job_id = ? AND NOT ${OPEN} ` +
            // The newest `keep` runs of the job are skipped, whatever their status.
            `AND created_at <= COALESCE((SELECT created_at FROM runs INDEXED BY runs_job WHERE job_id = ? ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET ?), -1) ` +
            `ORDER BY created_at, id LIMIT ?)`,
        ).run(String(jobId), String(jobId), keep, limit).changes,
    );
  }

  /** Oldest first by (created_at, run_id), the order MongoDB's scan has, in pages through runs_created. */
  async *scan(): AsyncIterable<OwnedRun> {
    const first = this.stmt('SELECT seq, id, user_id, project_id, created_at, doc FROM runs INDEXED BY runs_created ORDER BY created_at, id LIMIT 500');
    const next = this.stmt(
      'SELECT seq, id, user_id, project_id, created_at, doc FROM runs INDEXED BY runs_created WHERE (created_at, id) > (?, ?) ORDER BY created_at, id LIMIT 500',
    );
    for (let after: [number, string] | null = null; ; ) {
      const rows = (after ? next.all(...after) : first.all()) as Array<Row & { created_at: number }>;
      for (const r of rows) yield owned(r);
      if (rows.length < 500) return;
      const last = rows[rows.length - 1];
      after = [last.created_at, last.id];
    }
  }

  private find(scope: Scope, runId: string): FullRow | undefined {
    const where = runScopeSql(scope);
    return this.stmt(
      `SELECT r.seq, r.id, r.user_id, r.project_id, r.job_id, r.client_id, r.status, r.created_at, r.doc FROM runs r WHERE r.id = ? AND ${where.sql}`,
    ).get(String(runId), ...where.params) as FullRow | undefined;
  }

}

/** The indexed columns, in the order the statements bind them. */
function columnsOf(doc: Doc): [string, string, string, number, number, string] {
  return [String(doc.job_id), String(doc.client_id ?? ''), String(doc.status), Number(doc.created_at), Number(doc.updated_at), JSON.stringify(doc)];
}

function owned(row: Row): OwnedRun {
  return { owner: { userId: row.user_id, projectId: row.project_id === '' ? null : row.project_id }, doc: JSON.parse(row.doc) as Doc };
}
