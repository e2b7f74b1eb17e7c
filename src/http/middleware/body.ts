import type { Context } from 'koa';
import getRawBody from 'raw-body';
import type { DocumentLimits } from '../../config/config';
import { BadRequestError, MalformedJsonError, PayloadTooLargeError } from '../../errors';
import { LIMIT_SETTINGS, scanJsonText } from '../../validation/json-limits';

/**
 * Reads a JSON body for every method, GET included (list endpoints take their search there),
 * whatever the Content-Type says. No body means `undefined`; invalid JSON is Freezer's 753.
 * The size limit is checked against Content-Length before anything is read, the other limits
 * (keys, depth, string and array sizes) by a scan of the text before it is parsed, so that no
 * body makes the server parse, walk or index more than the limits allow.
 */
export function bodyReader(limit: number, limits: DocumentLimits) {
  return async (ctx: Context): Promise<unknown> => {
    const length = ctx.get('content-length');
    const chunked = /chunked/i.test(ctx.get('transfer-encoding'));
    if (length && Number(length) > limit) throw tooLarge(limit);
    let text = '';
    if ((length && Number(length) > 0) || chunked) {
      text = await getRawBody(ctx.req, { limit, length: length || undefined, encoding: 'utf8' }).catch((err: unknown) => {
        throw (err as { type?: string }).type === 'entity.too.large' ? tooLarge(limit) : err;
      });
    }
    return text.trim() === '' ? undefined : parse(text, limits);
  };
}

function tooLarge(limit: number): PayloadTooLargeError {
  return new PayloadTooLargeError(`The request body is larger than the limit of ${limit} bytes (setting body_limit, PERMAFROST_BODY_LIMIT)`);
}

function parse(text: string, limits: DocumentLimits): unknown {
  const exceeded = scanJsonText(text, limits);
  if (exceeded) {
    const { what, env } = LIMIT_SETTINGS[exceeded];
    const message = `The request body has ${what(limits[exceeded])} (setting limits.${exceeded}, ${env})`;
    // Nesting is a shape error (400, as before); the others are sizes (413).
    throw exceeded === 'max_depth' ? new BadRequestError(message) : new PayloadTooLargeError(message);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new MalformedJsonError();
  }
}
