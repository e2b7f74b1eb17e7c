import { createHash } from 'node:crypto';
import type { Context } from 'koa';

/**
 * Conditional GET for list answers: a weak ETag from the body, and 304 with no body when the
 * client already has that exact answer (If-None-Match). An agent polling an unchanged job list
 * then parses nothing. Stock clients send no If-None-Match and see a plain 200 with an ETag.
 */
export function answerConditionally(ctx: Context): void {
  if (ctx.status !== 200 || typeof ctx.body !== 'string') return;
  const etag = `W/"${createHash('sha1').update(ctx.body).digest('base64url')}"`;
  ctx.set('ETag', etag);
  const wanted = ctx.get('If-None-Match');
  if (wanted && wanted.split(',').some((tag) => tag.trim() === etag)) {
    ctx.status = 304;
    ctx.body = null;
  }
}
