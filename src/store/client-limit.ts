import { ForbiddenError } from '../errors';
import { ForwardingRepository } from './forwarding-repository';
import { withRepositories } from './with-repositories';
import type { CollectionName, Doc, ListQuery, Repository, Scope, Store, Stored } from './types';

/** Where each limited collection keeps the scheduler client a document belongs to. */
const CLIENT_OF: Partial<Record<CollectionName, (doc: Doc) => unknown>> = {
  jobs: (doc) => doc.client_id,
  clients: (doc) => (doc.client as Doc | undefined)?.client_id,
};

/**
 * Applies the client limit of agent tokens (Scope.clientId) for every engine, in one place:
 * the jobs and clients repositories hide documents of other clients and refuse writes that
 * would create or move one to another client; backups are accepted only for the client's own
 * host. Scopes without a client id pass straight through.
 */
export function withClientLimits(store: Store): Store {
  // Runs apply the client limit themselves, in their scope translation (runs/run-scope.ts).
  return withRepositories(store, (name, inner, self) => {
    if (name === 'backups') return new ClientLimitedBackups(inner, store.repo('clients'), self.repo('jobs'));
    const clientOf = CLIENT_OF[name];
    return clientOf ? new ClientLimitedRepository(inner, clientOf) : null;
  });
}

class ClientLimitedRepository extends ForwardingRepository {
  constructor(
    inner: Repository,
    private readonly clientOf: (doc: Doc) => unknown,
  ) {
    super(inner);
  }

  override async get(scope: Scope, key: string): Promise<Stored | null> {
    const found = await this.inner.get(scope, key);
    return found && this.visible(scope, found.doc) ? found : null;
  }

  override async getJson(scope: Scope, key: string): Promise<string | null> {
    if (!scope.clientId) return this.inner.getJson(scope, key);
    return (await this.get(scope, key)) ? this.inner.getJson(scope, key) : null;
  }

  /**
   * The store narrows the page with a `client_id` search term; the exact check then drops the
   * rare document that only has `client_id` somewhere nested, reading further if that left
   * the page short.
   */
  override async listJson(scope: Scope, query: ListQuery): Promise<string[]> {
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

  override async insert(scope: Scope, item: Stored): Promise<void> {
    if (!this.visible(scope, item.doc)) throw new ForbiddenError();
    return this.inner.insert(scope, item);
  }

  override async update(scope: Scope, key: string, mutate: (doc: Doc) => Doc | null): Promise<Doc | null> {
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

  override async delete(scope: Scope, key: string): Promise<boolean> {
    if (scope.clientId && !(await this.get(scope, key))) return false;
    return this.inner.delete(scope, key);
  }

  private visible(scope: Scope, doc: Doc): boolean {
    return !scope.clientId || this.clientOf(doc) === scope.clientId;
  }
}

/**
 * Backups name their host, not a client: a client-limited token posts backup metadata only for
 * the host its client registered (`client.hostname`), with its own `client_id` and one of its
 * own jobs' `job_id` when those are given, so an agent cannot file backups under another host.
 * Reads pass through (the agent rules allow none).
 */
class ClientLimitedBackups extends ForwardingRepository {
  constructor(
    inner: Repository,
    private readonly clients: Repository,
    private readonly jobs: Repository,
  ) {
    super(inner);
  }

  override async insert(scope: Scope, item: Stored): Promise<void> {
    if (scope.clientId) await this.assertOwnHost(scope, scope.clientId, item.doc);
    return this.inner.insert(scope, item);
  }

  /** Backup metadata is never rewritten through the API; a limited token changes none. */
  override async update(scope: Scope, key: string, mutate: (doc: Doc) => Doc | null): Promise<Doc | null> {
    if (scope.clientId) throw new ForbiddenError();
    return this.inner.update(scope, key, mutate);
  }

  override async delete(scope: Scope, key: string): Promise<boolean> {
    if (scope.clientId) throw new ForbiddenError();
    return this.inner.delete(scope, key);
  }

  private async assertOwnHost(scope: Scope, clientId: string, doc: Doc): Promise<void> {
    const metadata = (doc.backup_metadata ?? {}) as Doc;
    const client = await this.clients.get({ ...scope, clientId: null }, clientId);
    const limited = `This token is limited to client '${clientId}'`;
    if (!client) throw new ForbiddenError(`${limited}, which is not registered: register it (POST /clients) before posting backups`);
    const hostname = (client.doc.client as Doc | undefined)?.hostname;
    if (metadata.hostname !== hostname) {
      throw new ForbiddenError(`${limited}: it posts backups of its host ${shown(hostname)} only, not of ${shown(metadata.hostname)}`);
    }
    if (metadata.client_id !== undefined && metadata.client_id !== null && metadata.client_id !== clientId) {
      throw new ForbiddenError(`${limited}: it cannot post backups for client_id ${shown(metadata.client_id)}`);
    }
    const jobId = metadata.job_id;
    if (jobId !== undefined && jobId !== null && jobId !== '' && (typeof jobId !== 'string' || !(await this.jobs.get(scope, jobId)))) {
      throw new ForbiddenError(`${limited}: job_id ${shown(jobId)} is not one of its jobs`);
    }
  }
}

/** A value quoted in an error message, cut short: it comes from the request. */
function shown(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? 'nothing';
  return `'${text.length > 64 ? `${text.slice(0, 64)}...` : text}'`;
}
