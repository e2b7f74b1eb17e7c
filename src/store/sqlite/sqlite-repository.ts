import type { Database } from 'better-sqlite3';
import { statementCache } from './statement-cache';
import { docTerms, matches, termOf, type Condition, type Search } from '../../search';
import { GroupCommit } from './group-commit';
import { assertWritable, readableProjects } from '../project-access';
import {
  DuplicateError,
  type CollectionName,
  type Doc,
  type ListQuery,
  type Owner,
  type Repository,
  type Scope,
  type Stored,
} from '../types';

interface Row {
  seq: number;
  id: string;
  user_id: string;
  project_id: string;
  doc: string;
}

/** How a search is split between SQL (indexed term lookups) and a JavaScript post-filter. */
interface Plan {
  sql: string;
  params: unknown[];
  /** Conditions SQL cannot express as exact term probes (comparisons with null). */
  residual: Search | null;
}

/**
 * A collection in SQLite. better-sqlite3 is synchronous, so each write runs without
 * interleaving: `update` is an atomic read-modify-write and needs no retry. Writes go through
 * the store's group commit and are answered once committed.
 */
export class SqliteRepository implements Repository {
  private readonly stmt = statementCache(() => this.db);
  /** Documents other than clients are looked up by their global id. */
  private readonly keyIsId: boolean;

  constructor(
    private readonly db: Database,
    private readonly c: CollectionName,
    private readonly writer: GroupCommit,
  ) {
    this.keyIsId = c !== 'clients';
  }

  async get(scope: Scope, key: string): Promise<Stored | null> {
    const row = this.find(scope, key);
    return row ? { id: row.id, key, doc: JSON.parse(row.doc) as Doc } : null;
  }

  async getJson(scope: Scope, key: string): Promise<string | null> {
    return this.find(scope, key)?.doc ?? null;
  }

  async listJson(scope: Scope, query: ListQuery): Promise<string[]> {
    const plan = this.plan(scope, query.search);
    if (!plan.residual) {
      return this.stmt(`${plan.sql} LIMIT ? OFFSET ?`)
        .pluck()
        .all(...plan.params, query.limit ?? -1, query.offset) as string[];
    }
    // Stream candidates in order and stop as soon as the page is full.
    const out: string[] = [];
    let skip = query.offset;
    for (const json of this.stmt(plan.sql).pluck().iterate(...plan.params) as Iterable<string>) {
      if (!matches(JSON.parse(json), plan.residual)) continue;
      if (skip > 0) {
        skip--;
        continue;
      }
      out.push(json);
      if (query.limit !== null && out.length >= query.limit) break;
    }
    return out;
  }

  /** SQLite's plan for a list query (EXPLAIN QUERY PLAN details), to check index use. */
  explainList(scope: Scope, search: Search | null): string[] {
    const plan = this.plan(scope, search);
    return (this.db.prepare(`EXPLAIN QUERY PLAN ${plan.sql} LIMIT ? OFFSET ?`).all(...plan.params, 10, 0) as Array<{
      detail: string;
    }>).map((r) => r.detail);
  }

  async ownerOf(id: string): Promise<Owner | null> {
    const row = this.stmt(`SELECT user_id, project_id FROM ${this.c} WHERE id = ?`).get(id) as
      | Pick<Row, 'user_id' | 'project_id'>
      | undefined;
    return row ? { userId: row.user_id, projectId: row.project_id || null } : null;
  }

  insert(scope: Scope, item: Stored): Promise<void> {
    return this.tx(() => this.insertRow(scope, item));
  }

  async update(scope: Scope, key: string, mutate: (doc: Doc) => Doc | null): Promise<Doc | null> {
    return this.tx(() => {
      const row = this.find(scope, key);
      if (!row) return null;
      assertWritable(scope, row.project_id);
      const before = JSON.parse(row.doc) as Doc;
      const after = mutate(structuredClone(before));
      if (!after) return before;
      this.rewrite(row, before, after);
      return after;
    });
  }

  async delete(scope: Scope, key: string): Promise<boolean> {
    return this.tx(() => {
      const row = this.find(scope, key);
      if (!row) return false;
      assertWritable(scope, row.project_id);
      this.stmt(`DELETE FROM ${this.c} WHERE seq = ?`).run(row.seq);
      this.writeTerms(row, docTerms(JSON.parse(row.doc)), []);
      return true;
    });
  }

  /** In pages by seq (the primary key), so a large collection is never held in memory at once. */
  async *scan(): AsyncIterable<{ owner: Owner; item: Stored }> {
    const page = this.stmt(`SELECT seq, id, key, user_id, project_id, doc FROM ${this.c} WHERE seq > ? ORDER BY seq LIMIT 500`);
    for (let after = 0; ; ) {
      const rows = page.all(after) as Array<Row & { key: string }>;
      for (const r of rows) {
        yield { owner: { userId: r.user_id, projectId: r.project_id === '' ? null : r.project_id }, item: { id: r.id, key: r.key, doc: JSON.parse(r.doc) as Doc } };
      }
      if (rows.length < 500) return;
      after = rows[rows.length - 1].seq;
    }
  }

  // ---------------------------------------------------------------- internals

  /** One document by key in scope: through the global id index, or clients' (tenant, key) index. */
  private find(scope: Scope, key: string): Row | undefined {
    const cols = `seq, id, user_id, project_id, doc FROM ${this.c}`;
    const byKey = this.keyIsId ? 'id = ?' : 'key = ?';
    if (scope.projectId !== null) {
      return this.stmt(`SELECT ${cols} WHERE ${byKey} AND user_id = ? AND project_id = ?`).get(
        key,
        scope.userId,
        scope.projectId,
      ) as Row | undefined;
    }
    // v1: the user's document whatever its project (of those it may read, when limited); the
    // first one when a client_id repeats.
    const projects = readableProjects(scope);
    if (projects) {
      return this.stmt(`SELECT ${cols} WHERE ${byKey} AND user_id = ? AND project_id IN (SELECT value FROM json_each(?)) ORDER BY seq LIMIT 1`).get(
        key,
        scope.userId,
        JSON.stringify(projects),
      ) as Row | undefined;
    }
    return this.stmt(`SELECT ${cols} WHERE ${byKey} AND user_id = ? ORDER BY seq LIMIT 1`).get(key, scope.userId) as
      | Row
      | undefined;
  }

  private insertRow(scope: Scope, item: Stored): void {
    const project = scope.projectId ?? '';
    let seq: number;
    try {
      seq = Number(
        this.stmt(`INSERT INTO ${this.c} (id, key, user_id, project_id, doc) VALUES (?, ?, ?, ?, ?)`).run(
          item.id,
          item.key,
          scope.userId,
          project,
          JSON.stringify(item.doc),
        ).lastInsertRowid,
      );
    } catch (err) {
      throw uniqueViolation(err, this.c) ?? err;
    }
    this.writeTerms({ seq, user_id: scope.userId, project_id: project }, [], docTerms(item.doc));
  }

  /** Rewrites a row in place (same seq, so the list position is kept) and updates its terms. */
  private rewrite(row: Row, before: Doc, after: Doc): void {
    this.stmt(`UPDATE ${this.c} SET doc = ?, version = version + 1 WHERE seq = ?`).run(JSON.stringify(after), row.seq);
    this.writeTerms(row, docTerms(before), docTerms(after));
  }

  /**
   * Applies the difference between a document's old and new search terms, each direction in one
   * statement (json_each over the list), not one statement per term.
   */
  private writeTerms(row: Pick<Row, 'seq' | 'user_id' | 'project_id'>, oldTerms: string[], newTerms: string[]): void {
    const before = new Set(oldTerms);
    const after = new Set(newTerms);
    const gone = oldTerms.filter((t) => !after.has(t));
    const added = newTerms.filter((t) => !before.has(t));
    if (gone.length) {
      this.stmt(
        `DELETE FROM ${this.c}_terms WHERE user_id = ? AND project_id = ? AND seq = ? ` +
          'AND term IN (SELECT value FROM json_each(?))',
      ).run(row.user_id, row.project_id, row.seq, JSON.stringify(gone));
    }
    if (added.length) {
      this.stmt(
        `INSERT OR IGNORE INTO ${this.c}_terms (user_id, term, project_id, seq) ` +
          'SELECT ?, value, ?, ? FROM json_each(?)',
      ).run(row.user_id, row.project_id, row.seq, JSON.stringify(added));
    }
  }

  /**
   * Builds the list query. With a positive condition, the first one drives the query through the
   * terms primary key (user, term, project, seq): only matching documents are visited, already in
   * insertion order. Other exact conditions are primary-key probes per candidate. Without one, the
   * tenant's documents are walked through the scope index in order, stopping at the page end.
   */
  private plan(scope: Scope, search: Search | null): Plan {
    const exactMatch = search?.match.filter((m) => m.value !== null) ?? [];
    const exactNot = search?.matchNot.filter((m) => m.value !== null) ?? [];
    const residual = residualOf(search);
    const probes: string[] = [];
    const params: unknown[] = [];
    const v2 = scope.projectId !== null;
    const limited = readableProjects(scope);
    const projectTest = (alias: string) =>
      v2 ? ` AND ${alias}.project_id = ?` : limited ? ` AND ${alias}.project_id IN (SELECT value FROM json_each(?))` : '';
    const projectParams = v2 ? [scope.projectId] : limited ? [JSON.stringify(limited)] : [];
    const driver = exactMatch[0];
    let from: string;
    if (driver) {
      from =
        `SELECT d.doc FROM ${this.c}_terms t0 CROSS JOIN ${this.c} d ` +
        `WHERE t0.user_id = ? AND t0.term = ?${projectTest('t0')} AND d.seq = t0.seq`;
      params.push(scope.userId, termOf(driver.key, driver.value), ...projectParams);
    } else {
      from = `SELECT d.doc FROM ${this.c} d WHERE d.user_id = ?${projectTest('d')}`;
      params.push(scope.userId, ...projectParams);
    }
    const probe = (c: Condition, negate: boolean) => {
      probes.push(
        `${negate ? 'NOT ' : ''}EXISTS (SELECT 1 FROM ${this.c}_terms t WHERE t.user_id = d.user_id ` +
          `AND t.term = ? AND t.project_id = d.project_id AND t.seq = d.seq)`,
      );
      params.push(termOf(c.key, c.value));
    };
    exactMatch.slice(1).forEach((c) => probe(c, false));
    exactNot.forEach((c) => probe(c, true));
    const sql = [from, ...probes].join(' AND ') + ` ORDER BY ${driver ? 't0' : 'd'}.seq`;
    return { sql, params, residual };
  }


  private tx<T>(fn: () => T): Promise<T> {
    return this.writer.run(fn);
  }
}

/** Comparisons with null ("key absent or null") are checked in JavaScript on the candidates. */
function residualOf(search: Search | null): Search | null {
  if (!search) return null;
  const match = search.match.filter((m) => m.value === null);
  const matchNot = search.matchNot.filter((m) => m.value === null);
  return match.length || matchNot.length ? { match, matchNot } : null;
}

function uniqueViolation(err: unknown, c: string): DuplicateError | null {
  const e = err as { code?: string; message?: string };
  if (e.code !== 'SQLITE_CONSTRAINT_UNIQUE' && e.code !== 'SQLITE_CONSTRAINT_PRIMARYKEY') return null;
  return new DuplicateError(e.message?.includes(`${c}.id`) ? 'id' : 'key');
}
