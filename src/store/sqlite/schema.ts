import type { CollectionName } from '../types';

/**
 * DDL of one collection. `project_id` is '' for v1 documents (the API shows null), so it can
 * take part in unique and ordered indexes. Index use (see sqlite-repository.ts for the queries):
 *  - `<c>_id`          global id lookup and uniqueness (job_id, backup_id, client uuid, ...)
 *  - `<c>_scope_key`   clients only: lookup by client_id in a tenant, and its uniqueness (the
 *                      other collections look documents up by their global id)
 *  - `<c>_scope_seq`   v2 list pages in insertion order without sorting
 *  - `<c>_user_seq`    v1 list pages (user scope only) in insertion order
 *  - `<c>_terms` PK    search: (user, term, project, seq) gives the matching documents of a
 *                      tenant already in insertion order, and exact per-document probes
 */
export function collectionDdl(c: CollectionName): string {
  return `
    CREATE TABLE IF NOT EXISTS ${c} (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      id TEXT NOT NULL,
      key TEXT NOT NULL,
      user_id TEXT NOT NULL,
      project_id TEXT NOT NULL,
      version INTEGER NOT NULL DEFAULT 1,
      doc TEXT NOT NULL
    );
    CREATE UNIQUE INDEX IF NOT EXISTS ${c}_id ON ${c} (id);
    ${c === 'clients' ? `CREATE UNIQUE INDEX IF NOT EXISTS ${c}_scope_key ON ${c} (user_id, project_id, key);` : ''}
    CREATE INDEX IF NOT EXISTS ${c}_scope_seq ON ${c} (user_id, project_id, seq);
    CREATE INDEX IF NOT EXISTS ${c}_user_seq ON ${c} (user_id, seq);
    CREATE TABLE IF NOT EXISTS ${c}_terms (
      user_id TEXT NOT NULL,
      term TEXT NOT NULL,
      project_id TEXT NOT NULL,
      seq INTEGER NOT NULL,
      PRIMARY KEY (user_id, term, project_id, seq)
    ) WITHOUT ROWID;
  `;
}

/**
 * DDL of the identity registries: one table for all of them, `kind` telling which. `name` and
 * `parent` are derived from the document (REGISTRY_KEYS); NULL names never collide, as SQLite
 * treats NULLs as distinct in unique indexes. Index use (see sqlite-registry.ts):
 *  - `registry_id`          lookup by id, and its uniqueness within a registry
 *  - `registry_name`        lookup by name, and its uniqueness within a registry
 *  - `registry_kind_seq`    list() of a whole registry in insertion order without sorting
 *  - `registry_parent_seq`  list(parent), e.g. a user's credentials, in insertion order
 */
export function registryDdl(): string {
  return `
    CREATE TABLE IF NOT EXISTS registry (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      kind TEXT NOT NULL,
      id TEXT NOT NULL,
      name TEXT,
      parent TEXT,
      doc TEXT NOT NULL
    );
    CREATE UNIQUE INDEX IF NOT EXISTS registry_id ON registry (kind, id);
    CREATE UNIQUE INDEX IF NOT EXISTS registry_name ON registry (kind, name);
    CREATE INDEX IF NOT EXISTS registry_kind_seq ON registry (kind, seq);
    CREATE INDEX IF NOT EXISTS registry_parent_seq ON registry (kind, parent, seq);
  `;
}

// The registry table is created with IF NOT EXISTS on every start, so databases of version 1
// get it without a migration.
export const SCHEMA_VERSION = 1;
