import type { Database, Statement } from 'better-sqlite3';

/** Prepares each SQL text once per connection, on first use. */
export interface StatementCache {
  (sql: string): Statement;
  /** Forgets every statement (before the connection closes). */
  clear(): void;
}

/** `db` is read at each first use, so the cache can be made before the connection is open. */
export function statementCache(db: () => Database): StatementCache {
  const statements = new Map<string, Statement>();
  const get = (sql: string): Statement => {
    let s = statements.get(sql);
    if (!s) statements.set(sql, (s = db().prepare(sql)));
    return s;
  };
  return Object.assign(get, { clear: () => statements.clear() });
}
