import { docTerms, termOf, type Search } from '../../search';
import { PayloadTooLargeError } from '../../errors';
import { readableProjects } from '../project-access';
import type { Doc, ListQuery, Owner, RegistryName, Scope } from '../types';

/**
 * Pure translation of repository and registry calls into MongoDB filters (no driver here, so
 * every shape is unit-tested). User input only ever reaches a filter as a plain string compared
 * for equality (ids, keys, scope) or as a term string inside `$all`/`$nin`: no user-controlled
 * text becomes a field name or an operator. Index names refer to indexes.ts.
 */
export type Filter = Record<string, unknown>;

/** `project_id` of v1 documents, as in SQLite: a string, so it can take part in indexes. */
export const V1_PROJECT = '';

/** Insertion order: every list and scan is sorted by it. */
export const SEQ_ORDER = { seq: 1 } as const;

/** Optimistic update attempts before giving up; each lost race means another writer won. */
export const MAX_UPDATE_ATTEMPTS = 1000;

/** The field values of stored records. */
export type Field = string | number | null | string[];

/** MongoDB refuses documents larger than this (BSON bytes). */
export const MAX_BSON_BYTES = 16 * 1024 * 1024;

/** The stored record of a tenant document (one MongoDB document per API document). */
export interface EntryRecord {
  id: string;
  key: string;
  user_id: string;
  project_id: string;
  seq: number;
  version: number;
  /** The document as JSON text, exactly as the API returns it. */
  doc: string;
  /** docTerms(doc): what searches compare against. */
  terms: string[];
}

/** The stored record of an identity registry entry. */
export interface RegistryRecord {
  kind: RegistryName;
  id: string;
  /** The derived name, or NUL + id for records without one (see mongo-registry.ts). */
  name: string;
  parent: string | null;
  seq: number;
  version: number;
  doc: string;
}

/** A list query as MongoDB runs it: the candidates' filter plus a JavaScript residual. */
export interface SearchPlan {
  filter: Filter;
  /** Conditions comparing with null (they also match documents without the key: no term). */
  residual: Search | null;
}

/**
 * The tenant's documents. v2 uses (user, project) — served by `scope_seq` for lists and next to
 * `id_unique`/`scope_key_unique` for lookups; v1 sees every project of the user (`user_seq`).
 */
export function scopeFilter(scope: Scope): Filter {
  const user = String(scope.userId);
  if (scope.projectId !== null) return { user_id: user, project_id: String(scope.projectId) };
  // v1 limited to the projects its roles allow (project-access.ts): `user_seq` still serves it.
  const projects = readableProjects(scope);
  return projects ? { user_id: user, project_id: { $in: projects.map(String) } } : { user_id: user };
}

/**
 * One document by its key within the scope: through `id_unique` (the key is the global id), or
 * for clients through `scope_key_unique` (user, project, client_id). String() keeps a value
 * that is not a string at run time from ever reading as an operator object.
 */
export function keyFilter(scope: Scope, key: string, keyIsId: boolean): Filter {
  return { [keyIsId ? 'id' : 'key']: String(key), ...scopeFilter(scope) };
}

/** The owner of a record, as the interface shows it (v1 documents have no project). */
export function ownerOfRecord(r: Pick<EntryRecord, 'user_id' | 'project_id'>): Owner {
  return { userId: r.user_id, projectId: r.project_id === V1_PROJECT ? null : r.project_id };
}

/** The record stored for a new document; the terms are taken from the document now. */
export function entryRecord(scope: Scope, item: { id: string; key: string; doc: Doc }, seq: number): EntryRecord {
  return {
    id: String(item.id),
    key: String(item.key),
    user_id: String(scope.userId),
    project_id: scope.projectId === null ? V1_PROJECT : String(scope.projectId),
    seq,
    version: 1,
    doc: JSON.stringify(item.doc),
    terms: uniqueTerms(docTerms(item.doc)),
  };
}

/**
 * Splits a search like SqliteRepository.plan(): exact conditions become term tests on the
 * multikey index `scope_terms_seq` (user, terms, project, seq) — `$all` of the match terms (the
 * first one is the index bound, the rest are checked on the index entry's document) and `$nin` of
 * the match_not terms — and conditions with null are left to matches() on the candidates.
 * Values are compared only as termOf() strings, so operator-shaped keys or values are data.
 */
export function searchPlan(scope: Scope, search: Search | null): SearchPlan {
  const filter = scopeFilter(scope);
  if (!search) return { filter, residual: null };
  const all = uniqueTerms(search.match.filter((c) => c.value !== null).map((c) => termOf(c.key, c.value)));
  const nin = uniqueTerms(search.matchNot.filter((c) => c.value !== null).map((c) => termOf(c.key, c.value)));
  // An empty $all matches nothing in MongoDB, so each operator is only present when needed.
  const terms: Filter = {};
  if (all.length) terms.$all = all;
  if (nin.length) terms.$nin = nin;
  return { filter: Object.keys(terms).length ? { ...filter, terms } : filter, residual: residualOf(search) };
}

/** Comparisons with null ("key absent or null") are checked in JavaScript on the candidates. */
export function residualOf(search: Search | null): Search | null {
  if (!search) return null;
  const match = search.match.filter((m) => m.value === null);
  const matchNot = search.matchNot.filter((m) => m.value === null);
  return match.length || matchNot.length ? { match, matchNot } : null;
}

/**
 * skip/limit for the server; null when the page is certainly empty (limit 0: MongoDB would read
 * limit(0) as "no limit"). An undefined limit means no limit.
 */
export function pageOf(query: Pick<ListQuery, 'limit' | 'offset'>): { skip: number; limit: number | undefined } | null {
  if (query.limit !== null && query.limit <= 0) return null;
  return { skip: Math.max(0, query.offset), limit: query.limit ?? undefined };
}

/** Registry lookups: `kind_id_unique`. */
export function registryIdFilter(kind: RegistryName, id: string): Filter {
  return { kind, id: String(id) };
}

/** Lookup by derived name through the unique index `kind_name_unique`. */
export function registryNameFilter(kind: RegistryName, name: string): Filter {
  return { kind, name: { $eq: String(name) } };
}

/** A whole registry (`kind_seq`) or one parent's records (`kind_parent_seq`), both in seq order. */
export function registryListFilter(kind: RegistryName, parent?: string): Filter {
  return parent === undefined ? { kind } : { kind, parent: String(parent) };
}

/**
 * The BSON size of a flat record of strings, numbers, nulls and string arrays, plus the `_id`
 * ObjectId the server adds: exact for strings, numbers counted as doubles (8 bytes, the larger).
 */
export function storedSize<T extends { [K in keyof T]: Field }>(record: T): number {
  let size = 4 + 1 + element('_id', 12);
  for (const [name, value] of Object.entries(record) as Array<[string, Field]>) size += element(name, valueSize(value));
  return size;
}

/** Refuses, before any write, a record MongoDB would refuse for its size. */
export function assertStorable<T extends { [K in keyof T]: Field }>(record: T): void {
  const size = storedSize(record);
  if (size > MAX_BSON_BYTES) {
    throw new PayloadTooLargeError(`The document is too large to store (${size} bytes, at most ${MAX_BSON_BYTES}).`);
  }
}

function valueSize(value: Field): number {
  if (typeof value === 'number') return 8;
  if (typeof value === 'string') return stringSize(value);
  if (!Array.isArray(value)) return 0;
  // An array is an embedded document whose keys are "0", "1", ...
  let size = 4 + 1;
  value.forEach((s, i) => (size += element(String(i), stringSize(String(s)))));
  return size;
}

/** Type byte, NUL-terminated name, value. */
function element(name: string, valueBytes: number): number {
  return 1 + Buffer.byteLength(name, 'utf8') + 1 + valueBytes;
}

/** int32 length, UTF-8 bytes, NUL. */
function stringSize(s: string): number {
  return 4 + Buffer.byteLength(s, 'utf8') + 1;
}

function uniqueTerms(terms: string[]): string[] {
  return [...new Set(terms)];
}
