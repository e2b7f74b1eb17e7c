import type { Doc, ListQuery, Owner, Repository, Scope, Stored } from './types';

/**
 * A Repository that hands every call to `inner`: the store's decorators (client limits, document
 * limits) extend it and override only the calls they check.
 */
export class ForwardingRepository implements Repository {
  constructor(protected readonly inner: Repository) {}

  get(scope: Scope, key: string): Promise<Stored | null> {
    return this.inner.get(scope, key);
  }

  getJson(scope: Scope, key: string): Promise<string | null> {
    return this.inner.getJson(scope, key);
  }

  listJson(scope: Scope, query: ListQuery): Promise<string[]> {
    return this.inner.listJson(scope, query);
  }

  ownerOf(id: string): Promise<Owner | null> {
    return this.inner.ownerOf(id);
  }

  insert(scope: Scope, item: Stored): Promise<void> {
    return this.inner.insert(scope, item);
  }

  update(scope: Scope, key: string, mutate: (doc: Doc) => Doc | null): Promise<Doc | null> {
    return this.inner.update(scope, key, mutate);
  }

  delete(scope: Scope, key: string): Promise<boolean> {
    return this.inner.delete(scope, key);
  }

  scan(): AsyncIterable<{ owner: Owner; item: Stored }> {
    return this.inner.scan();
  }
}
