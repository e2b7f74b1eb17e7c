import type { DocumentLimits } from '../config/config';
import { PayloadTooLargeError } from '../errors';
import { LIMIT_SETTINGS, measureValue } from '../validation/json-limits';
import { ForwardingRepository } from './forwarding-repository';
import { withRepositories } from './with-repositories';
import type { Doc, Repository, Scope, Store, Stored } from './types';

/**
 * Stored documents may have twice the keys, and one and a half times the bytes, a request may
 * send: the server adds fields to what it is sent (ids and owners, mostly short keys), and some
 * writes merge into what is stored (a session's `jobs`). They may be one level deeper (backup
 * metadata is stored under `backup_metadata`); string and array sizes keep the request limits.
 * An update hashes the search terms of the document before and after, so these bound the
 * costliest write (bench/event-loop-stall.ts).
 */
export const STORED_KEYS_FACTOR = 2;
export const STORED_BYTES_FACTOR = 1.5;

/**
 * Keeps every tenant document the API writes within the limits (see the factors above), so
 * that repeated merges cannot grow one document until reading or updating it stalls the server.
 * Requests are already bounded by the body checks; this bounds what they add up to. Migration
 * and the admin commands open the store without it.
 */
export function withDocumentLimits(store: Store, limits: DocumentLimits, bodyLimit: number): Store {
  const check = (doc: Doc): void => assertStorable(doc, limits, bodyLimit);
  // Run reports are capped by their request schemas and the runs service (log tail, steps).
  return withRepositories(store, (_name, inner) => new LimitedRepository(inner, check));
}

/** 413 naming the limit when `doc` is past a stored limit (keys, depth, sizes, JSON bytes). */
export function assertStorable(doc: Doc, limits: DocumentLimits, bodyLimit: number): void {
  const stored = { ...limits, max_keys: limits.max_keys * STORED_KEYS_FACTOR, max_depth: limits.max_depth + 1 };
  const exceeded = measureValue(doc, stored);
  if (exceeded) {
    const { what, env } = LIMIT_SETTINGS[exceeded];
    const setting =
      exceeded === 'max_keys'
        ? `${STORED_KEYS_FACTOR} times the setting limits.max_keys`
        : exceeded === 'max_depth'
          ? 'one more than the setting limits.max_depth'
          : `setting limits.${exceeded}`;
    throw new PayloadTooLargeError(`The document would have ${what(stored[exceeded])} once stored (${setting}, ${env})`);
  }
  const maxBytes = Math.floor(bodyLimit * STORED_BYTES_FACTOR);
  const bytes = Buffer.byteLength(JSON.stringify(doc));
  if (bytes > maxBytes) {
    throw new PayloadTooLargeError(
      `The document would be ${bytes} bytes once stored, more than ${maxBytes} (${STORED_BYTES_FACTOR} times the setting body_limit, PERMAFROST_BODY_LIMIT)`,
    );
  }
}

class LimitedRepository extends ForwardingRepository {
  constructor(
    inner: Repository,
    private readonly check: (doc: Doc) => void,
  ) {
    super(inner);
  }

  override async insert(scope: Scope, item: Stored): Promise<void> {
    this.check(item.doc);
    return this.inner.insert(scope, item);
  }

  override update(scope: Scope, key: string, mutate: (doc: Doc) => Doc | null): Promise<Doc | null> {
    return this.inner.update(scope, key, (doc) => {
      const after = mutate(doc);
      if (after) this.check(after);
      return after;
    });
  }
}
