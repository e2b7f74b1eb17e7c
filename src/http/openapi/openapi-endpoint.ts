import type { Context, Next } from 'koa';
import { AppError } from '../../errors';

/**
 * GET /openapi.json, without auth: it describes the API's routes and shapes, no tenant data, and
 * a client needs it before it has a token. The text is made once at start.
 */
export function openApiEndpoint(documentJson: string) {
  return async (ctx: Context, next: Next): Promise<void> => {
    if (ctx.path !== '/openapi.json') return next();
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') throw new MethodNotAllowed();
    ctx.status = 200;
    ctx.body = documentJson;
    ctx.set('Content-Type', 'application/json');
  };
}

class MethodNotAllowed extends AppError {
  readonly status = 405;
  readonly title = '405 Method Not Allowed';
  constructor() {
    super();
    this.headers = { Allow: 'GET, HEAD' };
  }
}
