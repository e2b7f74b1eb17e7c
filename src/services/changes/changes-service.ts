import { createHash } from 'node:crypto';
import { BadRequestError, ForbiddenError } from '../../errors';
import type { Scope } from '../../store/types';
import type { ServiceDeps } from '../deps';
import type { ClientLastSeen } from '../runs/client-last-seen';
import { waitKey, type ChangeFeed } from './change-feed';

export interface ChangesAnswer {
  client_id: string;
  cursor: string;
}

/**
 * GET /clients/{client_id}/changes: the wait-for-change channel of the agents. The cursor is a
 * fingerprint of the client's jobs as the caller sees them (their JSON texts, hashed), so it
 * means the same in every worker and on every server sharing the database: a request answers at
 * once when the jobs differ from the cursor, whichever process made the cursor. Otherwise it
 * listens on the feed (no polling) and reads the fingerprint again only when a write of that
 * client's jobs is announced, answering when it differs, or with the same cursor when `wait` runs
 * out. One read per request and per announced change, none while idle.
 */
export class ChangesService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly feed: ChangeFeed,
    /** feed.max_wait: the longest hold, in seconds. */
    private readonly maxWaitS: number,
    /** A client waiting on the channel is seen, as one polling its jobs is (contract 5). */
    private readonly lastSeen: ClientLastSeen | null = null,
  ) {}

  async wait(scope: Scope, clientId: string, query: Record<string, unknown>, closed?: AbortSignal): Promise<ChangesAnswer> {
    try {
      this.deps.validator.assert('changes_query', { ...query });
    } catch (err) {
      const detail = err instanceof BadRequestError ? err.description : String(err);
      throw new BadRequestError(`Bad query of a change request (since: the last cursor, wait: seconds, nothing else): ${detail}`);
    }
    const since = typeof query.since === 'string' ? query.since : null;
    const waitS = query.wait === undefined ? 0 : Math.min(Number(String(query.wait).trim()), this.maxWaitS);
    if (!Number.isFinite(waitS)) throw new BadRequestError('The "wait" parameter is invalid: seconds from 0 to feed.max_wait');
    if (scope.clientId && scope.clientId !== clientId) {
      throw new ForbiddenError(`This token is limited to client '${scope.clientId}': it may wait on that client's changes only`);
    }
    this.lastSeen?.seen(scope.userId, clientId, scope.projectId);
    let woken = true;
    let wake: () => void = () => undefined;
    const unlisten = this.feed.listen(waitKey(scope, clientId), () => {
      woken = true;
      wake();
    });
    const deadline = Date.now() + waitS * 1000;
    try {
      let cursor = '';
      // Listening before the first read: a write between the read and the wait still wakes it.
      while (woken) {
        woken = false;
        cursor = await this.fingerprint(scope, clientId);
        if (cursor !== since || this.feed.isClosed || closed?.aborted) break;
        const left = deadline - Date.now();
        if (left <= 0) break;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          const done = () => {
            clearTimeout(timer);
            closed?.removeEventListener('abort', done);
            resolve();
          };
          wake = done;
          closed?.addEventListener('abort', done);
        });
        wake = () => undefined;
      }
      return { client_id: clientId, cursor };
    } finally {
      unlisten();
    }
  }

  /** The client's jobs as this caller sees them, hashed: equal cursors mean nothing changed. */
  private async fingerprint(scope: Scope, clientId: string): Promise<string> {
    const texts = await this.deps.store.repo('jobs').listJson(scope, {
      search: { match: [{ key: 'client_id', value: clientId }], matchNot: [] },
      limit: null,
      offset: 0,
    });
    const hash = createHash('sha256');
    for (const text of texts) hash.update(text).update('\n');
    return `${texts.length}.${hash.digest('base64url').slice(0, 22)}`;
  }
}
