import fs from 'node:fs';
import type { Context, Next } from 'koa';
import type { Store } from '../../store/types';
import { send } from '../context';

/**
 * GET|HEAD /healthcheck, without auth: 200 OK; 503 when the operator's disable file exists or
 * the database does not answer (so a load balancer takes this replica out).
 */
export function healthcheckMiddleware(store: Store, disableFile: string) {
  return async (ctx: Context, next: Next): Promise<void> => {
    if (ctx.path !== '/healthcheck') return next();
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      ctx.status = 405;
      ctx.set('Allow', 'GET, HEAD');
      return;
    }
    let status = 200;
    let text = 'OK';
    if (fs.existsSync(disableFile)) {
      status = 503;
      text = 'DISABLED BY FILE';
    } else {
      try {
        await store.ping();
      } catch {
        status = 503;
        text = 'DATABASE UNAVAILABLE';
      }
    }
    ctx.status = status;
    ctx.body = text;
    ctx.set('Content-Type', 'text/plain; charset=UTF-8');
  };
}

/** Freezer clients send `/v2/p/jobs/`: trailing slashes are ignored everywhere. */
export async function trailingSlashMiddleware(ctx: Context, next: Next): Promise<void> {
  if (ctx.path.length > 1 && ctx.path.endsWith('/')) ctx.path = ctx.path.replace(/\/+$/, '') || '/';
  await next();
}

const UPDATED = '2018-02-21T13:30:00';

/** GET / : the versions document with status 300 (the reference sends an empty body by mistake). */
export function versionsMiddleware(versions: Array<'v1' | 'v2'>) {
  return async (ctx: Context, next: Next): Promise<void> => {
    if (ctx.path !== '/') return next();
    if (ctx.method !== 'GET') {
      ctx.set('Allow', 'GET, OPTIONS');
      send(ctx, 405, { title: '405 Method Not Allowed' });
      return;
    }
    const proto = ctx.get('x-forwarded-proto') || ctx.protocol;
    const base = `${proto}://${ctx.host}/`;
    // The current version first.
    const entries = [...versions].sort().reverse().map((id) => ({
      id,
      status: id === 'v2' ? 'CURRENT' : 'DEPRECATED',
      updated: UPDATED,
      links: [{ href: `${base}${id}/`, rel: 'self' }],
    }));
    send(ctx, 300, { versions: entries });
  };
}

/**
 * Freezer answers 406 (empty body) when Accept does not admit JSON. A missing header is `*∕*`.
 * Applied to the API paths only.
 */
export async function acceptMiddleware(ctx: Context, next: Next): Promise<void> {
  // GET /events also answers a stream of server-sent events to a caller that asks for one, and
  // the run report stream answers JSON lines.
  if (ctx.get('accept') && !ctx.accepts('application/json') && !streamAccepted(ctx)) {
    ctx.status = 406;
    ctx.body = '';
    ctx.remove('Content-Type');
    return;
  }
  await next();
}

function streamAccepted(ctx: Context): boolean {
  if (/^\/(?:v1|v2\/[^/]+)\/events$/.test(ctx.path)) return Boolean(ctx.accepts('text/event-stream'));
  if (/^\/(?:v1|v2\/[^/]+)\/run-reports$/.test(ctx.path)) return Boolean(ctx.accepts('application/x-ndjson'));
  return false;
}
