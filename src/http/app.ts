import Koa, { type Context, type Next } from 'koa';
import type { Logger } from 'pino';
import type { Authenticator } from '../auth/identity';
import type { Policy } from '../auth/policy';
import type { Services } from '../services';
import type { Store } from '../store/types';
import { createApiRouter } from './api-router';
import { bodyReader } from './middleware/body';
import { errorsMiddleware } from './middleware/errors';
import { requestIdMiddleware } from './middleware/request-id';
import {
  acceptMiddleware,
  healthcheckMiddleware,
  trailingSlashMiddleware,
  versionsMiddleware,
} from './middleware/service-endpoints';

export interface AppDeps {
  services: Services;
  store: Store;
  authenticator: Authenticator;
  policy: Policy;
  log: Logger;
  versions: Array<'v1' | 'v2'>;
  bodyLimit: number;
  healthcheckDisableFile: string;
  accessLog: boolean;
}

/**
 * The Koa application. Order matters and follows the reference pipeline (spec A.1.2): errors
 * first, then the auth-free endpoints (/healthcheck, /), then content negotiation, auth and
 * routing. A route reads the body only once it is matched and allowed, so unauthenticated or
 * misrouted requests never make the server read an upload.
 */
export function createApp(deps: AppDeps): Koa {
  const app = new Koa();
  const api = createApiRouter(deps.services, deps.policy, deps.versions, bodyReader(deps.bodyLimit));
  if (deps.accessLog) app.use(accessLog(deps.log));
  app.use(errorsMiddleware(deps.log));
  app.use(requestIdMiddleware);
  app.use(trailingSlashMiddleware);
  app.use(healthcheckMiddleware(deps.store, deps.healthcheckDisableFile));
  app.use(versionsMiddleware(deps.versions));
  app.use(acceptMiddleware);
  app.use(async (ctx: Context, next: Next) => {
    ctx.state.identity = await deps.authenticator.authenticate(ctx.req.headers);
    await next();
  });
  app.use(api.routes);
  app.use(api.fallback);
  return app;
}

function accessLog(log: Logger) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const start = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      log.info({ method: ctx.method, url: ctx.url, status: ctx.status, ms, requestId: ctx.state.requestId }, 'request');
    }
  };
}
