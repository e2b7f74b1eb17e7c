import { BadRequestError } from '../../errors';
import type { Doc, Scope } from '../../store/types';
import { isObject } from '../common';
import type { ServiceDeps } from '../deps';
import { TERMINAL, type RunActor } from './run-document';
import type { RunsService } from './runs-service';

/** Longest Idempotency-Key taken (keys are usually UUIDs). */
const MAX_KEY_LENGTH = 200;

export interface RunNowAnswer {
  /** 200: the run ended within the wait, or the key named an earlier request's run; 202: not ended yet. */
  status: 200 | 202;
  run: Doc;
}

/**
 * Run now and cancel (issue 12, item 3), over RunsService: checks the request (query, key,
 * body), queues or cancels, and waits for the end when asked to.
 */
export class RunNowService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly runs: RunsService,
  ) {}

  /** POST /jobs/{job_id}/runs?wait=<s> with an optional Idempotency-Key. */
  async runNow(scope: Scope, jobId: string, query: Record<string, unknown>, body: unknown, idempotencyKey: unknown, who: RunActor): Promise<RunNowAnswer> {
    this.checkQuery('run_now_query', query, 'wait: seconds to wait for the end');
    assertNoBody(body);
    const key = checkKey(idempotencyKey);
    const max = this.runs.settings.max_wait;
    const wait = query.wait === undefined ? 0 : Number(String(query.wait).trim());
    if (wait > max) throw new BadRequestError(`The "wait" parameter is invalid: at most ${max} seconds (setting runs.max_wait)`);
    const { run, created } = await this.runs.queue(scope, jobId, 'run-now', who, key ?? undefined);
    const now = wait > 0 && !TERMINAL.has(run.status as string) ? await this.runs.waitForEnd(scope, run.run_id as string, wait) : run;
    return { status: !created || TERMINAL.has(now.status as string) ? 200 : 202, run: now };
  }

  /** POST /runs/{run_id}/cancel: 202 with the run (409 once it has ended). */
  async cancel(scope: Scope, runId: string, query: Record<string, unknown>, body: unknown, who: RunActor): Promise<Doc> {
    this.checkQuery('run_cancel_query', query, 'none');
    assertNoBody(body);
    return this.runs.requestCancel(scope, runId, who);
  }

  private checkQuery(name: 'run_now_query' | 'run_cancel_query', query: Record<string, unknown>, taken: string): void {
    try {
      this.deps.validator.assert(name, { ...query });
    } catch (err) {
      const detail = err instanceof BadRequestError ? err.description : String(err);
      throw new BadRequestError(`Bad query parameters (taken: ${taken}): ${detail}`);
    }
  }
}

/** These requests take no body (an empty one, or `{}`, is fine). */
function assertNoBody(body: unknown): void {
  if (body === undefined || body === null || body === '' || (isObject(body) && Object.keys(body).length === 0)) return;
  throw new BadRequestError('This request takes no body (the run is described by the job)');
}

function checkKey(raw: unknown): string | null {
  if (raw === undefined) return null;
  const key = Array.isArray(raw) ? null : String(raw);
  if (key === null || key.trim() === '' || key.length > MAX_KEY_LENGTH || !/^[\x21-\x7e]+$/.test(key)) {
    throw new BadRequestError(`The Idempotency-Key header must be one value of 1 to ${MAX_KEY_LENGTH} visible ASCII characters (a UUID, say)`);
  }
  return key;
}
