import { ForbiddenError } from '../errors';
import type { CollectionName, Doc, ListQuery, Owner, Repository, Scope, Store, Stored } from './types';

/** Where each limited collection keeps the scheduler client a document belongs to. */
const CLIENT_OF: Partial<Record<CollectionName, (doc: Doc) => unknown>> = {
  jobs: (doc) => doc.client_id,
  clients: (doc) => (doc.client as Doc | undefined)?.client_id,
};

/**
 * Applies the client limit of agent tokens (Scope.clientId) for every engine, in one place:
 * the jobs and clients repositories hide documents of other clients and refuse writes that
 * would create or move one to another client. Scopes without a client id pass straight through.
 */
export function withClientLimits(store: Store): Store {
  const limited = new Map<CollectionName, Repository>();
  return {
    get engine() {
      return store.engine;
    },
    start: (opts) => store.start(opts),
    stop: () => store.stop(),
    ping: () => store.ping(),
    registry: (name) => store.registry(name),
    repo(name) {
      const clientOf = CLIENT_OF[name];
      if (!clientOf) return store.repo(name);
      let repo = limited.get(name);
      if (!repo) {
        repo = new ClientLimitedRepository(store.repo(name), clientOf);
        limited.set(name, repo);
      }
      return repo;
    },
  };
}

class ClientLimitedRepository implements Repository {
  constructor(
    private readonly inner: Repository,
    private readonly clientOf: (doc: Doc) => unknown,
  ) {}

  async get(scope: Scope, key: string): Promise<Stored | null> {
    const found = await this.inner.get(scope, key);
    return found && this.visible(scope, found.doc) ? found : null;
  }

  async getJson(scope: Scope, key: string): Promise<string | null> {
    if (!scope.clientId) return this.inner.getJson(scope, key);
    return (await this.get(scope, key)) ? this.inner.getJson(scope, key) : null;
  }

  /**
   * The store narrows the page with a `client_id` search term; the exact check then drops the
   * rare document that only has `client_id` somewhere nested, reading further if that left
   * the page short.
   */
  async listJson(scope: Scope, query: ListQuery): Promise<string[]> {
    const clientId = scope.clientId;
    if (!clientId) return this.inner.listJson(scope, query);
    const base = query.search ?? { match: [], matchNot: [] };
    const search = { ...base, match: [...base.match, { key: 'client_id', value: clientId }] };
    const wanted = query.limit === null ? Infinity : query.offset + query.limit;
    const kept: string[] = [];
    for (let rawOffset = 0; kept.length < wanted; ) {
      const batch = query.limit === null ? null : Math.max(wanted - kept.length, 16);
      const page = await this.inner.listJson(scope, { search, limit: batch, offset: rawOffset });
      for (const json of page) if (this.clientOf(JSON.parse(json) as Doc) === clientId) kept.push(json);
      rawOffset += page.length;
      if (batch === null || page.length < batch) break;
    }
    return kept.slice(query.offset, query.limit === null ? undefined : query.offset + query.limit);
  }

  scan(): AsyncIterable<{ owner: Owner; item: Stored }> {
    return this.inner.scan();
  }

  ownerOf(id: string): Promise<Owner | null> {
    return this.inner.ownerOf(id);
  }

  async insert(scope: Scope, item: Stored): Promise<void> {
    if (!this.visible(scope, item.doc)) throw new ForbiddenError();
    return this.inner.insert(scope, item);
  }

  async update(scope: Scope, key: string, mutate: (doc: Doc) => Doc | null): Promise<Doc | null> {
    if (!scope.clientId) return this.inner.update(scope, key, mutate);
    if (!(await this.get(scope, key))) return null;
    let hidden = false;
    const result = await this.inner.update(scope, key, (doc) => {
      hidden = !this.visible(scope, doc);
      if (hidden) return null;
      const after = mutate(doc);
      // Moving a job to another client would hand it to a host this token does not speak for.
      if (after && !this.visible(scope, after)) throw new ForbiddenError();
      return after;
    });
    return hidden ? null : result;
  }

  async delete(scope: Scope, key: string): Promise<boolean> {
    if (scope.clientId && !(await this.get(scope, key))) return false;
    return this.inner.delete(scope, key);
  }

  private visible(scope: Scope, doc: Doc): boolean {
    return !scope.clientId || this.clientOf(doc) === scope.clientId;
  }
}
