import { DuplicateError } from '../types';
import { ID_INDEXES } from './indexes';

/** MongoDB's duplicate key error code. */
export const DUPLICATE_KEY = 11000;

interface DriverError {
  code?: unknown;
  keyPattern?: Record<string, unknown>;
  errmsg?: unknown;
  message?: unknown;
}

/**
 * The DuplicateError a unique index violation means, or null for any other error. Which index
 * was violated comes from `keyPattern` (an `id` field: the global id, else the scoped key or the
 * registry name); servers that omit it still name the index in the message.
 */
export function duplicateOf(err: unknown): DuplicateError | null {
  if (typeof err !== 'object' || err === null) return null;
  const e = err as DriverError;
  if (e.code !== DUPLICATE_KEY) return null;
  if (e.keyPattern && typeof e.keyPattern === 'object') return new DuplicateError('id' in e.keyPattern ? 'id' : 'key');
  const index = /index: (\S+)/.exec(String(e.errmsg ?? e.message ?? ''))?.[1];
  return new DuplicateError(index !== undefined && ID_INDEXES.has(index) ? 'id' : 'key');
}
