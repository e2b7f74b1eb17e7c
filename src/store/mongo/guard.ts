import { StoreUnavailableError } from '../../errors';
import { duplicateOf } from './duplicate-of';
import { isUnavailable } from './is-unavailable';

/**
 * Runs a database call and translates driver errors into the store's: unique index violations
 * into DuplicateError, an unreachable database into StoreUnavailableError (503, no driver text).
 * Anything else (application errors, bugs) passes through unchanged.
 */
export async function guard<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw translateError(err);
  }
}

export function translateError(err: unknown): unknown {
  const duplicate = duplicateOf(err);
  if (duplicate) return duplicate;
  if (isUnavailable(err)) return new StoreUnavailableError('the database is not available');
  return err;
}
