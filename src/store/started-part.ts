import { StoreUnavailableError } from '../errors';

/** A repository or registry of a store, which exists only between start() and stop(). */
export function startedPart<K, V>(parts: ReadonlyMap<K, V>, name: K): V {
  const part = parts.get(name);
  if (!part) throw new StoreUnavailableError('the store is not started');
  return part;
}
