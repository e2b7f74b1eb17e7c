import { randomUUID } from 'node:crypto';
import { BadRequestError, ForbiddenError } from '../errors';
import { assertWritable } from '../store/project-access';
import { DuplicateError, type Doc, type Repository, type Scope } from '../store/types';

/** A new document id: a UUID4 as 32 lowercase hex characters, the reference's format. */
export function newId(): string {
  return randomUUID().replaceAll('-', '');
}

/** Seconds since the epoch; the services take it as a dependency so tests can pin time. */
export type Clock = () => number;
export const systemClock: Clock = () => Math.floor(Date.now() / 1000);

export function isObject(v: unknown): v is Doc {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Python truthiness, which decides the reference's "Missing request body" answers. */
function isFalsy(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  return isObject(v) && Object.keys(v).length === 0;
}

/**
 * The request body as an object. An empty or falsy body is `{}`, or a 400 with `emptyMessage`
 * where the reference answers "Missing request body". Any other non-object is a 400 (the
 * reference answers 500).
 */
export function bodyObject(body: unknown, emptyMessage?: string): Doc {
  if (isFalsy(body)) {
    if (emptyMessage) throw new BadRequestError(emptyMessage);
    return {};
  }
  if (!isObject(body)) throw new BadRequestError('The request body must be a JSON object');
  // The body was parsed for this request alone, so services may reshape it in place.
  return body;
}

/** Copies the listed keys in order, dropping the rest (the reference stores a fixed field set). */
export function pick(doc: Doc, keys: readonly string[]): Doc {
  const out: Doc = {};
  for (const k of keys) if (doc[k] !== undefined) out[k] = doc[k];
  return out;
}

/**
 * POST /<collection>/{id}: replace the caller's document, or create it under that id. An id owned
 * by someone else answers 403 (the reference answers 500 from a unique-key clash).
 */
export async function replaceOrCreate(
  repo: Repository,
  scope: Scope,
  id: string,
  build: (existing: Doc | null) => Doc,
): Promise<'created' | 'replaced'> {
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await repo.update(scope, id, (doc) => build(doc))) return 'replaced';
    try {
      await repo.insert(scope, { id, key: id, doc: build(null) });
      return 'created';
    } catch (err) {
      if (!(err instanceof DuplicateError)) throw err;
      // Either someone else owns the id, or the caller created it concurrently: look again.
      await refuseForeignId(repo, scope, id);
    }
  }
  throw new ForbiddenError();
}

/**
 * 403 when the id belongs to another tenant, or (v1) to a project where the caller may not
 * write: checked before a replace has any side effect.
 */
export async function refuseForeignId(repo: Repository, scope: Scope, id: string): Promise<void> {
  const owner = await repo.ownerOf(id);
  if (owner && !(owner.userId === scope.userId && (scope.projectId === null || owner.projectId === scope.projectId))) {
    throw new ForbiddenError();
  }
  if (owner) assertWritable(scope, owner.projectId ?? '');
}

/**
 * v1: 403 when the document with this global id is one the caller may read but not change,
 * checked before an operation that touches several documents has any side effect.
 */
export async function assertMayChange(repo: Repository, scope: Scope, id: string): Promise<void> {
  if (scope.projectId !== null || !scope.projects) return;
  const owner = await repo.ownerOf(id);
  if (owner && owner.userId === scope.userId) assertWritable(scope, owner.projectId ?? '');
}
