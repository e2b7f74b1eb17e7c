import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';

/**
 * x-openstack-request-id on every API response: the caller's id (with `req-` prepended when
 * missing) or a new one. The versions document and /healthcheck carry none, like the reference.
 */
export async function requestIdMiddleware(ctx: Context, next: Next): Promise<void> {
  const sent = ctx.get('x-openstack-request-id');
  const id = sent ? (sent.startsWith('req-') ? sent : `req-${sent}`) : `req-${randomUUID()}`;
  ctx.state.requestId = id;
  if (ctx.path !== '/' && ctx.path !== '/healthcheck') ctx.set('x-openstack-request-id', id);
  await next();
}
