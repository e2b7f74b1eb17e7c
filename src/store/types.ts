import type { Search } from '../search';
import type { RunsRepository } from './runs/runs-repository';

/**
 * Whose documents a request may see. v2 requests see (project, user); v1 requests see every
 * document of the user whatever its project (`projectId: null`), as the reference does.
 */
export interface Scope {
  userId: string;
  projectId: string | null;
  /**
   * Set for tokens limited to one scheduler client: jobs and clients of any other client_id are
   * invisible, and none can be created or changed to belong to another (client-limit.ts).
   */
  clientId?: string | null;
  /**
   * v1 scopes only (projectId null): the projects, besides v1's own project-less documents, whose
   * documents the caller reaches, by what its roles there allow. Absent: every project of the
   * user, as in the reference (noauth). See project-access.ts.
   */
  projects?: ProjectAccess | null;
}

/** Which projects' documents a v1 caller may read, and of those which it may change. */
export interface ProjectAccess {
  read: readonly string[];
  write: readonly string[];
}

export type CollectionName = 'jobs' | 'actions' | 'sessions' | 'backups' | 'clients';
export const COLLECTIONS: readonly CollectionName[] = ['jobs', 'actions', 'sessions', 'backups', 'clients'];

export type Doc = Record<string, unknown>;

/** A stored document as a service sees it. */
export interface Stored {
  /** Globally unique id (job_id, action_id, ..., a client's uuid). */
  id: string;
  /** The id the API looks documents up by inside a scope (equal to `id`, except client_id for clients). */
  key: string;
  doc: Doc;
}

export interface ListQuery {
  search: Search | null;
  /** null means no limit. */
  limit: number | null;
  offset: number;
}

/** The owner of a document, for telling "foreign" from "missing". */
export interface Owner {
  userId: string;
  projectId: string | null;
}

/**
 * One repository per collection. Every method takes the caller's scope and applies it itself,
 * so no service can forget it. Documents are kept in the shape the API returns them.
 */
export interface Repository {
  get(scope: Scope, key: string): Promise<Stored | null>;
  /** The document as JSON text, without a parse/serialise round trip (hot read path). */
  getJson(scope: Scope, key: string): Promise<string | null>;
  /** JSON texts of the page, in insertion order. */
  listJson(scope: Scope, query: ListQuery): Promise<string[]>;
  /** Who owns the document with this global id, whatever the scope; null if none. */
  ownerOf(id: string): Promise<Owner | null>;
  /** Inserts a new document; throws DuplicateError when the id (or the key in that scope) is taken. */
  insert(scope: Scope, item: Stored): Promise<void>;
  /**
   * Atomically reads the document, applies `mutate` and writes the result back (keeping its list
   * position). `mutate` may run more than once (optimistic retry in multi-writer engines), so it
   * must be a pure function of the document. Returning null leaves the document unchanged.
   * Resolves to the written document, the unchanged one, or null when there is none in scope.
   */
  update(scope: Scope, key: string, mutate: (doc: Doc) => Doc | null): Promise<Doc | null>;
  /** Deletes; false when there was nothing in scope. */
  delete(scope: Scope, key: string): Promise<boolean>;
  /**
   * Every document of the collection with its owner, whatever the scope, in insertion order
   * (for copying a deployment between engines: `permafrost db migrate`).
   */
  scan(): AsyncIterable<{ owner: Owner; item: Stored }>;
}

/** How a store opens its database. */
export interface StartOptions {
  /**
   * true (default): create the database and its schema when missing, or upgrade them (`serve`,
   * `db sync`, a migration target). false: the database must already exist with an up-to-date
   * schema, and nothing is created (every other command): MissingDatabaseError otherwise.
   */
  create?: boolean;
}

/** Thrown by start({create: false}) when there is no (up-to-date) Permafrost database where it looked. */
export class MissingDatabaseError extends Error {
  constructor(
    /** The file or redacted URL it looked at (also named in the message). */
    readonly where: string,
    message = `no Permafrost database at ${where}`,
  ) {
    super(message);
  }
}

export interface Store {
  readonly engine: string;
  start(opts?: StartOptions): Promise<void>;
  stop(): Promise<void>;
  /** Throws StoreUnavailableError when the database cannot answer. */
  ping(): Promise<void>;
  repo(name: CollectionName): Repository;
  registry(name: RegistryName): Registry;
  /** The run history (issue 12): its own repository, indexed for newest-first lists. */
  runs(): RunsRepository;
}

/** Raised by insert when a unique id is already taken (by anyone). */
export class DuplicateError extends Error {
  constructor(readonly which: 'id' | 'key') {
    super(`duplicate ${which}`);
  }
}

/**
 * Identity records (spec'd by the Keystone v3 subset): global, not tenant-scoped, so they live
 * in registries beside the tenant collections, in the same store and engine.
 */
export type RegistryName = 'projects' | 'users' | 'roles' | 'credentials' | 'revocations';
export const REGISTRIES: readonly RegistryName[] = ['projects', 'users', 'roles', 'credentials', 'revocations'];

/**
 * The storage keys of each registry, derived from the document: `name` must be unique within
 * the registry (null: no name), `parent` groups records for listing (null: none). Every
 * registry document has a string `id`, unique within its registry.
 */
export const REGISTRY_KEYS: Record<RegistryName, { name(doc: Doc): string | null; parent(doc: Doc): string | null }> = {
  projects: { name: (d) => String(d.name), parent: () => null },
  users: { name: (d) => String(d.name), parent: () => null },
  roles: { name: (d) => String(d.name), parent: () => null },
  // Application credential names are unique per user (as in Keystone).
  credentials: { name: (d) => `${String(d.user_id)}/${String(d.name)}`, parent: (d) => String(d.user_id) },
  revocations: { name: () => null, parent: () => null },
};

export interface Registry {
  get(id: string): Promise<Doc | null>;
  /** The record whose derived name is `name`, or null. */
  getByName(name: string): Promise<Doc | null>;
  /** Every record, or those whose derived parent is `parent`, in insertion order. */
  list(parent?: string): Promise<Doc[]>;
  /** Throws DuplicateError('id') when the id is taken, DuplicateError('key') when the name is. */
  insert(doc: Doc): Promise<void>;
  /**
   * Atomic read-modify-write, like Repository.update (`mutate` may run more than once; null
   * leaves the record unchanged). Name and parent are derived again from the result; a name
   * taken by another record throws DuplicateError('key') and changes nothing.
   */
  update(id: string, mutate: (doc: Doc) => Doc | null): Promise<Doc | null>;
  delete(id: string): Promise<boolean>;
}
