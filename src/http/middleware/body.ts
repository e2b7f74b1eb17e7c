import type { Context } from 'koa';
import getRawBody from 'raw-body';
import { BadRequestError, MalformedJsonError, PayloadTooLargeError } from '../../errors';

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

/**
 * Freezer documents are a few levels deep. Deeper bodies are refused before any code walks
 * them recursively (which would overflow the stack and answer 500).
 */
export const MAX_BODY_DEPTH = 64;

function parse(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new MalformedJsonError();
  }
  if (depthExceeds(value, MAX_BODY_DEPTH)) {
    throw new BadRequestError(`The request body is nested more than ${MAX_BODY_DEPTH} levels deep`);
  }
  return value;
}

/** Iterative, so that checking a hostile body cannot itself overflow the stack. */
function depthExceeds(root: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[root, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (typeof node !== 'object' || node === null) continue;
    if (depth > limit) return true;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}
