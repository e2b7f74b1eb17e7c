import type { Database, Statement } from 'better-sqlite3';
import { StoreUnavailableError } from '../../errors';

interface Pending {
  fn: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit: every write queued during one turn of the event loop runs in ONE transaction,
 * each in its own savepoint (a failing write is rolled back alone), and every caller is answered
 * only after the COMMIT. A commit writes each touched page to the WAL once, so concurrent
 * inserts that share index pages cost a fraction of separate commits, with the same durability:
 * nothing is acknowledged before it is committed.
 */
export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;
  private readonly sql: Record<'begin' | 'commit' | 'rollback' | 'savepoint' | 'release' | 'undo', Statement>;

  constructor(private readonly db: Database) {
    this.sql = {
      begin: db.prepare('BEGIN IMMEDIATE'),
      commit: db.prepare('COMMIT'),
      rollback: db.prepare('ROLLBACK'),
      savepoint: db.prepare('SAVEPOINT op'),
      release: db.prepare('RELEASE op'),
      undo: db.prepare('ROLLBACK TO op'),
    };
  }

  run<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits whatever is queued now (also called before the database is closed). */
  flush(): void {
    const batch = this.queue;
    this.queue = [];
    this.scheduled = false;
    if (batch.length === 0) return;
    const outcomes: Array<{ ok: boolean; value: unknown }> = [];
    try {
      this.sql.begin.run();
      for (const op of batch) outcomes.push(this.runOne(op.fn));
      this.sql.commit.run();
    } catch (err) {
      if (this.db.inTransaction) this.sql.rollback.run();
      const failure = isBusy(err) ? new StoreUnavailableError('the database is busy; try again') : err;
      for (const op of batch) op.reject(failure);
      return;
    }
    batch.forEach((op, i) => (outcomes[i].ok ? op.resolve(outcomes[i].value) : op.reject(outcomes[i].value)));
  }

  private runOne(fn: () => unknown): { ok: boolean; value: unknown } {
    this.sql.savepoint.run();
    try {
      const value = fn();
      this.sql.release.run();
      return { ok: true, value };
    } catch (err) {
      this.sql.undo.run();
      this.sql.release.run();
      return { ok: false, value: err };
    }
  }
}

function isBusy(err: unknown): boolean {
  const code = (err as { code?: string }).code ?? '';
  return code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED');
}
