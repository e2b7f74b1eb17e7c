import { runScope } from '../runs/run-scope';
import type { RunPage } from '../runs/runs-repository';
import type { Scope } from '../types';

/**
 * The runs table. `project_id` is '' for v1 runs, as in the other collections. Columns beside
 * `doc` are copied from it on every write, for the indexes. Index use (runListSql picks one with
 * INDEXED BY, so a page never sorts or scans more than its filter's rows):
 *  - `runs_id`              lookup by run_id, and its uniqueness
 *  - `runs_job`             a job's runs newest first (job ids are global; the scope is checked per row)
 *  - `runs_scope_created`   a v2 project's runs newest first, and time ranges of them
 *  - `runs_scope_status`    ... of one status
 *  - `runs_scope_client`    ... of one client (and every list of a client-limited token)
 *  - `runs_user_created`    v1 lists (the user's runs in every project)
 *  - `runs_open`            partial: open runs by last write (agent-lost and queue sweeps)
 *  - `runs_created`         retention by age, and scan() in (created_at, id) order as MongoDB's
 */
export const RUNS_DDL = `
  CREATE TABLE IF NOT EXISTS runs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    project_id TEXT NOT NULL,
    job_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    doc TEXT NOT NULL
  );
  CREATE UNIQUE INDEX IF NOT EXISTS runs_id ON runs (id);
  CREATE INDEX IF NOT EXISTS runs_job ON runs (job_id, created_at, id);
  CREATE INDEX IF NOT EXISTS runs_scope_created ON runs (user_id, project_id, created_at, id);
  CREATE INDEX IF NOT EXISTS runs_scope_status ON runs (user_id, project_id, status, created_at, id);
  CREATE INDEX IF NOT EXISTS runs_scope_client ON runs (user_id, project_id, client_id, created_at, id);
  CREATE INDEX IF NOT EXISTS runs_user_created ON runs (user_id, created_at, id);
  CREATE INDEX IF NOT EXISTS runs_open ON runs (updated_at) WHERE status IN ('queued', 'running');
  CREATE INDEX IF NOT EXISTS runs_created ON runs (created_at, id);
`;

export interface Sql {
  sql: string;
  params: unknown[];
}

/** `WHERE` conditions (with `r.` columns) that confine rows to a scope. */
export function runScopeSql(scope: Scope): Sql {
  const s = runScope(scope);
  const conds = ['r.user_id = ?'];
  const params: unknown[] = [s.userId];
  if (s.projects && s.projects.length === 1) {
    conds.push('r.project_id = ?');
    params.push(s.projects[0]);
  } else if (s.projects) {
    conds.push('r.project_id IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify(s.projects));
  }
  if (s.clientId) {
    conds.push('r.client_id = ?');
    params.push(s.clientId);
  }
  return { sql: conds.join(' AND '), params };
}

/** The index a list walks: the most selective equality it has a prefix for. */
export function runListIndex(scope: Scope, page: RunPage): string {
  const s = runScope(scope);
  if (page.jobId !== undefined) return 'runs_job';
  const oneProject = s.projects !== null && s.projects.length === 1;
  if (!oneProject) return 'runs_user_created';
  if (page.clientId !== undefined || s.clientId) return 'runs_scope_client';
  if (page.status !== undefined) return 'runs_scope_status';
  return 'runs_scope_created';
}

/** One page of a scope's runs, newest first, with LIMIT/OFFSET bound last. */
export function runListSql(scope: Scope, page: RunPage): Sql {
  const where = runScopeSql(scope);
  const conds = [where.sql];
  const params = [...where.params];
  const add = (cond: string, value: unknown) => {
    conds.push(cond);
    params.push(value);
  };
  if (page.jobId !== undefined) add('r.job_id = ?', page.jobId);
  if (page.clientId !== undefined) add('r.client_id = ?', page.clientId);
  if (page.status !== undefined) add('r.status = ?', page.status);
  if (page.since !== undefined) add('r.created_at >= ?', page.since);
  if (page.until !== undefined) add('r.created_at < ?', page.until);
  const index = runListIndex(scope, page);
  return {
    sql: `SELECT r.doc FROM runs r INDEXED BY ${index} WHERE ${conds.join(' AND ')} ORDER BY r.created_at DESC, r.id DESC LIMIT ? OFFSET ?`,
    params: [...params, page.limit, page.offset],
  };
}
