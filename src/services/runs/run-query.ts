import { BadRequestError } from '../../errors';
import { RUN_STATUSES, type RunPage, type RunStatus } from '../../store/runs/runs-repository';

export const DEFAULT_RUN_LIMIT = 10;
export const MAX_RUN_LIMIT = 1000;
const PARAMS = ['job_id', 'client_id', 'status', 'since', 'until', 'limit', 'offset'];

/**
 * GET /runs query parameters -> a page. Unknown parameters, repeated ones and bad values are a
 * 400 naming them (unlike the Freezer lists, which ignore what they do not know).
 */
export function parseRunQuery(params: Record<string, unknown>): RunPage {
  const unknown = Object.keys(params).filter((k) => !PARAMS.includes(k));
  if (unknown.length) {
    throw new BadRequestError(`Unknown query parameter${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k.slice(0, 64)}'`).join(', ')} (known: ${PARAMS.join(', ')})`);
  }
  const one = (name: string): string | undefined => {
    const v = params[name];
    if (v === undefined) return undefined;
    if (Array.isArray(v)) throw new BadRequestError(`The query parameter '${name}' is given more than once`);
    return String(v);
  };
  const page: RunPage = { limit: DEFAULT_RUN_LIMIT, offset: 0 };
  const id = (name: string): string | undefined => {
    const v = one(name);
    if (v !== undefined && !/^[\w.-]{1,255}$/.test(v)) throw new BadRequestError(`The query parameter '${name}' is not a valid id`);
    return v;
  };
  page.jobId = id('job_id');
  page.clientId = id('client_id');
  const status = one('status');
  if (status !== undefined) {
    if (!RUN_STATUSES.includes(status as RunStatus)) throw new BadRequestError(`The query parameter 'status' must be one of ${RUN_STATUSES.join(', ')}`);
    page.status = status as RunStatus;
  }
  page.since = number(one('since'), 'since', 'epoch seconds');
  page.until = number(one('until'), 'until', 'epoch seconds');
  const limit = number(one('limit'), 'limit', `an integer from 1 to ${MAX_RUN_LIMIT}`);
  if (limit !== undefined) {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_RUN_LIMIT) throw new BadRequestError(`The query parameter 'limit' must be an integer from 1 to ${MAX_RUN_LIMIT}`);
    page.limit = limit;
  }
  const offset = number(one('offset'), 'offset', 'a non-negative integer');
  if (offset !== undefined) {
    if (!Number.isSafeInteger(offset) || offset < 0) throw new BadRequestError("The query parameter 'offset' must be a non-negative integer");
    page.offset = offset;
  }
  for (const k of ['jobId', 'clientId', 'status', 'since', 'until'] as const) if (page[k] === undefined) delete page[k];
  return page;
}

function number(text: string | undefined, name: string, what: string): number | undefined {
  if (text === undefined) return undefined;
  const n = text.trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(n) || n < 0) throw new BadRequestError(`The query parameter '${name}' must be ${what}`);
  return n;
}
