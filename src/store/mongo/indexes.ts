import type { CollectionName } from '../types';

/** An index as mongoose's Schema.index() takes it: fields, then options (always named). */
export interface IndexSpec {
  fields: Record<string, 1>;
  options: { name: string; unique?: boolean; partialFilterExpression?: Record<string, unknown> };
}

/**
 * Indexes of a tenant collection (queries in mongo-repository.ts, filters in translate.ts):
 *  - `id_unique`         global id lookup and uniqueness (job_id, backup_id, client uuid, ...);
 *                        also ownerOf() and update's compare-and-set write
 *  - `scope_key_unique`  clients only: lookup by client_id in a tenant, and its uniqueness
 *  - `scope_seq`         v2 list pages in insertion order without sorting
 *  - `user_seq`          v1 list pages (user scope only) in insertion order
 *  - `scope_terms_seq`   search (multikey on terms): the tenant's documents having a term,
 *                        already in insertion order for v2
 *  - `seq_unique`        scan() of the whole collection in insertion order, page by page
 */
export function entryIndexes(c: CollectionName): IndexSpec[] {
  return [
    { fields: { id: 1 }, options: { name: 'id_unique', unique: true } },
    ...(c === 'clients'
      ? [{ fields: { user_id: 1, project_id: 1, key: 1 } as Record<string, 1>, options: { name: 'scope_key_unique', unique: true } }]
      : []),
    { fields: { user_id: 1, project_id: 1, seq: 1 }, options: { name: 'scope_seq' } },
    { fields: { user_id: 1, seq: 1 }, options: { name: 'user_seq' } },
    { fields: { user_id: 1, terms: 1, project_id: 1, seq: 1 }, options: { name: 'scope_terms_seq' } },
    { fields: { seq: 1 }, options: { name: 'seq_unique', unique: true } },
  ];
}

/**
 * Indexes of the shared `registry` collection (queries in mongo-registry.ts):
 *  - `kind_id_unique`    lookup by id, and its uniqueness within a registry
 *  - `kind_name_unique`  lookup by derived name, and its uniqueness within a registry (records
 *                        without a name store a unique placeholder: mongo-registry.ts)
 *  - `kind_seq`          list() of a whole registry in insertion order without sorting
 *  - `kind_parent_seq`   list(parent), e.g. a user's credentials, in insertion order
 */
export function registryIndexes(): IndexSpec[] {
  return [
    { fields: { kind: 1, id: 1 }, options: { name: 'kind_id_unique', unique: true } },
    { fields: { kind: 1, name: 1 }, options: { name: 'kind_name_unique', unique: true } },
    { fields: { kind: 1, seq: 1 }, options: { name: 'kind_seq' } },
    { fields: { kind: 1, parent: 1, seq: 1 }, options: { name: 'kind_parent_seq' } },
  ];
}

/** The unique indexes that guard a global id; any other unique violation is a key (name) clash. */
export const ID_INDEXES: ReadonlySet<string> = new Set(['id_unique', 'kind_id_unique']);
