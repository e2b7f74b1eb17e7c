import type { Context } from 'koa';
import getRawBody from 'raw-body';
import { MalformedJsonError, PayloadTooLargeError } from '../../errors';

/**
 * Reads a JSON body for every method, GET included (list endpoints take their search there),
 * whatever the Content-Type says. No body means `undefined`; invalid JSON is Freezer's 753.
 * The size limit is checked against Content-Length before anything is read.
 */
export function bodyReader(limit: number) {
  return async (ctx: Context): Promise<unknown> => {
    const length = ctx.get('content-length');
    const chunked = /chunked/i.test(ctx.get('transfer-encoding'));
    if (length && Number(length) > limit) {
      throw new PayloadTooLargeError(`The request body is larger than the limit of ${limit} bytes`);
    }
    let text = '';
    if ((length && Number(length) > 0) || chunked) {
      text = await getRawBody(ctx.req, { limit, length: length || undefined, encoding: 'utf8' });
    }
    return text.trim() === '' ? undefined : parse(text);
  };
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new MalformedJsonError();
  }
}
