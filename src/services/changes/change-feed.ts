import type { Scope } from '../../store/types';

/** Whose waiters a job write concerns: the job's owner and its client (before or after the write). */
export interface ChangeOwner {
  userId: string;
  projectId: string | null;
  clientId: string;
}

const SEP = '\u0000';
/** The project part of the key a v1 waiter listens on: v1 reaches every project of its user. */
const ANY_PROJECT = '\u0001';

/** The keys a change is announced under: the job's own project, and "any project" for v1 waiters. */
export function changeKeys(owner: ChangeOwner): string[] {
  return [[owner.userId, owner.projectId ?? '', owner.clientId].join(SEP), [owner.userId, ANY_PROJECT, owner.clientId].join(SEP)];
}

/** The key a waiter in `scope` listens on for `clientId`. */
export function waitKey(scope: Scope, clientId: string): string {
  return [scope.userId, scope.projectId ?? ANY_PROJECT, clientId].join(SEP);
}

/**
 * Who is waiting for which client's jobs to change, in this process. A job write calls
 * `publish` (store/change-recording.ts): local waiters are woken and, with `--workers N`, the
 * other processes are told through the primary (cluster-feed.ts), which call `wake`. A wake says
 * only "look again": the waiter re-reads its own fingerprint (changes-service.ts), so a wake for
 * a key that collides or a change the waiter cannot see answers nothing. An idle waiter is an
 * entry in a map and a timer, nothing more: no polling.
 */
export class ChangeFeed {
  private readonly listeners = new Map<string, Set<() => void>>();
  private relay: ((keys: string[]) => void) | null = null;
  private closed = false;

  /** A job write in this process. */
  publish(owners: ChangeOwner[]): void {
    if (owners.length === 0) return;
    const keys = [...new Set(owners.flatMap(changeKeys))];
    this.wake(keys);
    this.relay?.(keys);
  }

  /** Keys written here or in another process: every listener of them is called once. */
  wake(keys: readonly string[]): void {
    for (const key of keys) for (const fn of [...(this.listeners.get(key) ?? [])]) fn();
  }

  /** Calls `fn` on every change under `key` (and when the feed closes) until the returned function is called. */
  listen(key: string, fn: () => void): () => void {
    let set = this.listeners.get(key);
    if (!set) this.listeners.set(key, (set = new Set()));
    set.add(fn);
    return () => {
      set.delete(fn);
      if (set.size === 0 && this.listeners.get(key) === set) this.listeners.delete(key);
    };
  }

  /** Where this process sends its own changes for the others (cluster-feed.ts); null: none. */
  connect(relay: ((keys: string[]) => void) | null): void {
    this.relay = relay;
  }

  /** How many waiters are listening (the bench and tests read it). */
  get waiting(): number {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Server shutdown: every waiter answers now instead of holding the close up. */
  close(): void {
    this.closed = true;
    for (const set of [...this.listeners.values()]) for (const fn of [...set]) fn();
  }
}
