import { ForwardingRepository } from './forwarding-repository';
import { withRepositories } from './with-repositories';
import type { Doc, Repository, Scope, Store, Stored } from './types';

/** What freshness hears from the jobs repository. */
export interface FreshnessObserver {
  /**
   * A job was inserted (before null), changed (both) or deleted (after null). `scope` is the
   * writer's scope: the owner for an insert, possibly a wider v1 scope otherwise.
   */
  jobWritten(scope: Scope, jobId: string, before: Doc | null, after: Doc | null): Promise<void>;
}

/**
 * Tells freshness of every job write that went through (with the document before and after,
 * so it can tell a schedule change from the status PATCHes of each run), without any service
 * having to remember to. A failing observer never fails the write: freshness
 * catches up at the next write or run. Other collections pass through.
 */
export function withFreshnessRecording(store: Store, observer: FreshnessObserver, onError: (err: unknown) => void): Store {
  return withRepositories(store, (name, inner) => (name === 'jobs' ? new RecordingJobs(inner, observer, onError) : null));
}

class RecordingJobs extends ForwardingRepository {
  constructor(
    inner: Repository,
    private readonly observer: FreshnessObserver,
    private readonly onError: (err: unknown) => void,
  ) {
    super(inner);
  }

  override async insert(scope: Scope, item: Stored): Promise<void> {
    await this.inner.insert(scope, item);
    await this.tell(scope, item.id, null, item.doc);
  }

  override async update(scope: Scope, key: string, mutate: (doc: Doc) => Doc | null): Promise<Doc | null> {
    // `mutate` may change the document in place and may run more than once: the last run's
    // copy taken before it is what was replaced.
    let before: Doc | null = null;
    let changed = false;
    const result = await this.inner.update(scope, key, (doc) => {
      before = structuredClone(doc);
      const after = mutate(doc);
      changed = after !== null;
      return after;
    });
    if (result && changed) await this.tell(scope, key, before, result);
    return result;
  }

  override async delete(scope: Scope, key: string): Promise<boolean> {
    const found = await this.inner.get(scope, key);
    const deleted = await this.inner.delete(scope, key);
    if (deleted && found) await this.tell(scope, found.id, found.doc, null);
    return deleted;
  }

  private async tell(scope: Scope, jobId: string, before: Doc | null, after: Doc | null): Promise<void> {
    try {
      await this.observer.jobWritten(scope, jobId, before, after);
    } catch (err) {
      this.onError(err);
    }
  }
}
