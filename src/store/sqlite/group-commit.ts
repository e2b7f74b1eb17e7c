import type { Database, Statement } from 'better-sqlite3';
import { StoreUnavailableError } from '../../errors';

/** How long writes wait for another process's write lock before answering 503. */
const BUSY_LIMIT_MS = 5000;
/** Reads may wait this long (synchronously) in the rare cases where WAL readers are blocked. */
export const READ_BUSY_TIMEOUT_MS = 100;

interface Pending {
  fn: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit: every write queued during one turn of the event loop runs in ONE transaction,
 * each in its own savepoint (a failing write is rolled back alone), and every caller is answered
 * only after the COMMIT. Several processes may share the file: the write lock is taken
 * without blocking the event loop. A commit writes each touched page to the WAL once, so concurrent
 * inserts that share index pages cost a fraction of separate commits, with the same durability:
 * nothing is acknowledged before it is committed.
 */
export class GroupCommit {
  private queue: Pending[] = [];
  private timer: NodeJS.Immediate | NodeJS.Timeout | null = null;
  private busySince: number | null = null;
  private readonly sql: Record<'begin' | 'commit' | 'rollback' | 'savepoint' | 'release' | 'undo' | 'noWait' | 'wait', Statement>;

  constructor(private readonly db: Database) {
    this.sql = {
      begin: db.prepare('BEGIN IMMEDIATE'),
      commit: db.prepare('COMMIT'),
      rollback: db.prepare('ROLLBACK'),
      savepoint: db.prepare('SAVEPOINT op'),
      release: db.prepare('RELEASE op'),
      undo: db.prepare('ROLLBACK TO op'),
      noWait: db.prepare('PRAGMA busy_timeout = 0'),
      wait: db.prepare(`PRAGMA busy_timeout = ${READ_BUSY_TIMEOUT_MS}`),
    };
  }

  run<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      this.schedule(0);
    });
  }

  /** Commits whatever is queued now, if the write lock can be had without waiting. */
  flush(): void {
    this.timer = null;
    if (this.queue.length === 0) return;
    if (!this.begin()) return;
    const batch = this.queue;
    this.queue = [];
    const outcomes: Array<{ ok: boolean; value: unknown }> = [];
    try {
      for (const op of batch) outcomes.push(this.runOne(op.fn));
      this.sql.commit.run();
    } catch (err) {
      if (this.db.inTransaction) this.sql.rollback.run();
      for (const op of batch) op.reject(err);
      return;
    }
    batch.forEach((op, i) => (outcomes[i].ok ? op.resolve(outcomes[i].value) : op.reject(outcomes[i].value)));
  }

  /** Waits until everything queued is committed or refused (before the database is closed). */
  async drain(): Promise<void> {
    while (this.queue.length > 0) {
      this.flush();
      if (this.queue.length > 0) await new Promise((r) => setTimeout(r, 1));
    }
  }

  /**
   * BEGIN IMMEDIATE without SQLite's busy handler, which would sleep on the event loop while
   * another process (another API worker) holds the write lock. Busy: retry in a millisecond;
   * after BUSY_LIMIT_MS the waiting writes fail with 503.
   */
  private begin(): boolean {
    try {
      this.sql.noWait.run();
      this.sql.begin.run();
      this.busySince = null;
      return true;
    } catch (err) {
      if (!isBusy(err)) {
        this.failAll(err);
        return false;
      }
      this.busySince ??= Date.now();
      if (Date.now() - this.busySince > BUSY_LIMIT_MS) {
        this.busySince = null;
        this.failAll(new StoreUnavailableError('the database is busy; try again'));
      } else {
        this.schedule(1);
      }
      return false;
    } finally {
      this.sql.wait.run();
    }
  }

  private failAll(err: unknown): void {
    const batch = this.queue;
    this.queue = [];
    for (const op of batch) op.reject(err);
  }

  private schedule(delayMs: number): void {
    if (this.timer) return;
    this.timer = delayMs === 0 ? setImmediate(() => this.flush()) : setTimeout(() => this.flush(), delayMs);
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
