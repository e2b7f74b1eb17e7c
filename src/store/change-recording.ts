import { ForwardingRepository } from './forwarding-repository';
import { withRepositories } from './with-repositories';
import type { Doc, Repository, Scope, Store, Stored } from './types';

/** The owner and client of a job that was inserted, updated or deleted. */
export interface JobChange {
  userId: string;
  projectId: string | null;
  clientId: string;
}

/**
 * Tells `onChange` of every job write that went through (insert, an update that changed the
 * document, delete), naming the job's owner and its client_id before and after, so the
 * wait-for-change channel (GET /clients/{client_id}/changes) can answer the waiters of those
 * clients. Writes that fail or change nothing are not announced. Other collections pass through.
 */
export function withChangeRecording(store: Store, onChange: (changes: JobChange[]) => void): Store {
  // Runs are not jobs: a run-now or cancel changes the job too, and that write is announced.
  return withRepositories(store, (name, inner) => (name === 'jobs' ? new ChangeRecordingRepository(inner, onChange) : null));
}

class ChangeRecordingRepository extends ForwardingRepository {
  constructor(
    inner: Repository,
    private readonly onChange: (changes: JobChange[]) => void,
  ) {
    super(inner);
  }

  override async insert(scope: Scope, item: Stored): Promise<void> {
    await this.inner.insert(scope, item);
    this.announce(item.doc);
  }

  override async update(scope: Scope, key: string, mutate: (doc: Doc) => Doc | null): Promise<Doc | null> {
    // `mutate` may change the document in place and may run more than once: the last run's
    // "before" is what was replaced.
    let before: JobChange | null = null;
    let changed = false;
    const result = await this.inner.update(scope, key, (doc) => {
      before = changeOf(doc);
      const after = mutate(doc);
      changed = after !== null;
      return after;
    });
    if (result && changed) this.announce(result, before);
    return result;
  }

  override async delete(scope: Scope, key: string): Promise<boolean> {
    const found = await this.inner.get(scope, key);
    const deleted = await this.inner.delete(scope, key);
    if (deleted && found) this.announce(found.doc);
    return deleted;
  }

  private announce(doc: Doc, before: JobChange | null = null): void {
    const changes = [changeOf(doc), before].filter((c): c is JobChange => c !== null);
    if (changes.length > 0) this.onChange(changes);
  }
}

function changeOf(doc: Doc): JobChange | null {
  if (typeof doc.user_id !== 'string' || typeof doc.client_id !== 'string' || doc.client_id === '') return null;
  return { userId: doc.user_id, projectId: typeof doc.project_id === 'string' ? doc.project_id : null, clientId: doc.client_id };
}
