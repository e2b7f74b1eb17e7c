import type { Store, Stored } from '../store/types';

/** What the store decorator reports. */
export interface StoreObserver {
  /** One call of a repository or registry method, in seconds. */
  timed(collection: string, operation: string, seconds: number, ok: boolean): void;
  /** A document was inserted (after the insert succeeded). */
  inserted(collection: string, item: Stored): void;
}

/** Store methods that are not repository calls: passed through untimed. */
const UNTIMED = new Set<PropertyKey>(['start', 'stop', 'ping', 'engine']);

/**
 * Times every call on the store's repositories and registries. It wraps whatever accessor the
 * Store has (repo(name), registry(name), and those added later such as a runs repository) without
 * naming them, so a new sub-store is timed with no change here. Labels: the collection is the
 * accessor's argument (repo('jobs') -> jobs) or its name (runs() -> runs), the operation is the
 * method name: both are fixed by the code, never by a request.
 */
export function withStoreMetrics(store: Store, observer: StoreObserver): Store {
  const wrapped = new Map<string, object>();
  return new Proxy(store, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      const fn = value as (...args: unknown[]) => unknown;
      if (UNTIMED.has(prop)) return fn.bind(target);
      return (...args: unknown[]) => {
        const result = fn.apply(target, args);
        if (result === null || typeof result !== 'object' || isThenable(result)) return result;
        const collection = typeof args[0] === 'string' ? args[0] : String(prop);
        const key = `${String(prop)}\u0000${collection}`;
        let proxy = wrapped.get(key);
        if (!proxy) wrapped.set(key, (proxy = timedObject(result, collection, observer)));
        return proxy;
      };
    },
  });
}

function timedObject(target: object, collection: string, observer: StoreObserver): object {
  return new Proxy(target, {
    get(obj, prop) {
      const value: unknown = Reflect.get(obj, prop, obj);
      if (typeof value !== 'function' || typeof prop !== 'string') return value;
      const fn = value as (...args: unknown[]) => unknown;
      return (...args: unknown[]) => {
        const start = process.hrtime.bigint();
        const result = fn.apply(obj, args);
        if (!isThenable(result)) return result;
        const seconds = () => Number(process.hrtime.bigint() - start) / 1e9;
        return Promise.resolve(result).then(
          (out) => {
            observer.timed(collection, prop, seconds(), true);
            if (prop === 'insert') observer.inserted(collection, args[1] as Stored);
            return out;
          },
          (err: unknown) => {
            observer.timed(collection, prop, seconds(), false);
            throw err;
          },
        );
      };
    },
  });
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
