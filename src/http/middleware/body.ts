import type { Context } from 'koa';
import getRawBody from 'raw-body';
import type { DocumentLimits } from '../../config/config';
import { type AppError, BadRequestError, MalformedJsonError, PayloadTooLargeError } from '../../errors';
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

/** One line of an NDJSON body: its number (from 1) and its value, or why it was refused. */
export type JsonLine = { line: number; value: unknown; error?: undefined } | { line: number; value?: undefined; error: AppError };

/**
 * Splits a body of JSON lines (NDJSON) as its chunks arrive, for streamed requests: each line
 * is held to the same size and shape limits as a whole JSON body. A line over the size limit is
 * refused as soon as it passes the limit and skipped up to its newline, so a line never makes
 * the server buffer more than `limit` bytes. Blank lines are skipped (but counted). Synchronous:
 * a stream's lines cost no promise each.
 */
export class JsonLineSplitter {
  private parts: Buffer[] = [];
  private size = 0;
  private skipping = false;
  private line = 1;

  constructor(
    private readonly limit: number,
    private readonly limits: DocumentLimits,
  ) {}

  /** The lines a chunk completes. */
  push(chunk: Buffer): JsonLine[] {
    const out: JsonLine[] = [];
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(0x0a, start);
      const end = newline === -1 ? chunk.length : newline;
      if (!this.skipping) {
        this.size += end - start;
        if (this.size > this.limit) {
          this.skipping = true;
          this.parts = [];
          out.push({ line: this.line, error: tooLarge(this.limit) });
        } else if (newline === -1) this.parts.push(chunk.subarray(start, end));
      }
      if (newline === -1) return out;
      if (!this.skipping) {
        // Most lines arrive whole in one chunk: decoded straight from it, without a copy.
        const text = this.parts.length === 0 ? chunk.toString('utf8', start, end) : Buffer.concat([...this.parts, chunk.subarray(start, end)]).toString('utf8');
        this.take(text, out);
      }
      this.skipping = false;
      this.parts = [];
      this.size = 0;
      this.line++;
      start = newline + 1;
    }
  }

  /** The last line, when the body did not end with a newline. */
  end(): JsonLine[] {
    const out: JsonLine[] = [];
    if (!this.skipping && this.parts.length > 0) this.take(Buffer.concat(this.parts).toString('utf8'), out);
    this.parts = [];
    return out;
  }

  private take(text: string, out: JsonLine[]): void {
    if (text.trim() === '') return;
    try {
      out.push({ line: this.line, value: parse(text, this.limits) });
    } catch (err) {
      out.push({ line: this.line, error: err as AppError });
    }
  }
}
