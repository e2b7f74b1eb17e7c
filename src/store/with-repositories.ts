import type { CollectionName, Repository, Store } from './types';

/**
 * The store's decorators (client limits, document limits, change and freshness recording) wrap
 * some collection repositories and pass everything else through. This is that pass-through, in
 * one place, so a sub-store added to Store later (as runs and freshness were) reaches every
 * decorator by itself. `wrap` is asked once per collection; null leaves the collection as it is.
 * It gets the decorated store too, for a repository that reads another decorated collection.
 */
export function withRepositories(store: Store, wrap: (name: CollectionName, inner: Repository, self: Store) => Repository | null): Store {
  const repos = new Map<CollectionName, Repository>();
  const self: Store = {
    get engine() {
      return store.engine;
    },
    start: (opts) => store.start(opts),
    stop: () => store.stop(),
    ping: () => store.ping(),
    registry: (name) => store.registry(name),
    runs: () => store.runs(),
    freshness: () => store.freshness(),
    repo(name) {
      let repo = repos.get(name);
      if (!repo) {
        const inner = store.repo(name);
        repo = wrap(name, inner, self) ?? inner;
        repos.set(name, repo);
      }
      return repo;
    },
  };
  return self;
}
