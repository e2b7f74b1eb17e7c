import Koa, { type Context, type Next } from 'koa';
import type { Logger } from 'pino';
import type { Authenticator } from '../auth/identity';
import type { DocumentLimits } from '../config/config';
import type { Policy } from '../auth/policy';
import type { Services } from '../services';
import type { IdentityServices } from '../services/identity';
import type { Store } from '../store/types';
import { permafrostVersion } from '../version';
import type { ServerMetrics } from '../metrics/server-metrics';
import { RouteMatcher } from '../metrics/route-matcher';
import { findSchemaDir } from '../validation';
import { createApiRouter } from './api-router';
import type { ProjectRoles } from './v1-project-access';
import { createKeystoneRouter } from './keystone/keystone-router';
import { metricsEndpoint } from './metrics/metrics-endpoint';
import { requestMetricsMiddleware } from './metrics/request-metrics';
import { buildOpenApi } from './openapi/openapi-document';
import { openApiEndpoint } from './openapi/openapi-endpoint';
import type { RouteSignature } from './route-list';
import { SERVICE_ROUTES } from './service-routes';
import type { StreamedRequests } from './streamed-requests';
import { bodyReader, JsonLineSplitter } from './middleware/body';
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
  /** auth=jwt: this server answers the Keystone v3 subset under /v3. */
  identity: IdentityServices | null;
  publicUrl: string | null;
  enforceProjectScope: boolean;
  store: Store;
  authenticator: Authenticator;
  policy: Policy;
  log: Logger;
  versions: Array<'v1' | 'v2'>;
  bodyLimit: number;
  limits: DocumentLimits;
  healthcheckDisableFile: string;
  accessLog: boolean;
  metrics: ServerMetrics;
  /** Streamed requests (run reports): their bounds, and the server's client errors. */
  streams: StreamedRequests;
}

/**
 * The Koa application. Order matters and follows the reference pipeline (spec A.1.2): errors
 * first, then the auth-free endpoints (/healthcheck, /), then content negotiation, auth and
 * routing. A route reads the body only once it is matched and allowed, so unauthenticated or
 * misrouted requests never make the server read an upload.
 */
export function createApp(deps: AppDeps): Koa {
  const app = new Koa();
  const readBody = bodyReader(deps.bodyLimit, deps.limits);
  const api = createApiRouter(deps.services, deps.policy, {
    versions: deps.versions,
    readBody,
    lineSplitter: () => new JsonLineSplitter(deps.bodyLimit, deps.limits),
    admitStream: (req) => deps.streams.admit(req),
    enforceProjectScope: deps.enforceProjectScope,
    authMode: deps.authenticator.mode,
    projectRoles: deps.identity ? projectRolesOf(deps.identity) : null,
  });
  const keystone = deps.identity
    ? createKeystoneRouter({ identity: deps.identity, authenticator: deps.authenticator, policy: deps.policy, readBody, publicUrl: deps.publicUrl })
    : null;
  // Every route this server answers, from the routers themselves: the metrics' route labels and
  // /openapi.json are built from it.
  const routes: RouteSignature[] = [...SERVICE_ROUTES, ...api.list, ...(keystone?.list ?? [])];
  const openapi = JSON.stringify(buildOpenApi(routes, findSchemaDir(), permafrostVersion()).document);
  if (deps.accessLog) app.use(accessLog(deps.log));
  app.use(requestMetricsMiddleware(deps.metrics, new RouteMatcher(routes.map((r) => r.path))));
  app.use(errorsMiddleware(deps.log));
  app.use(requestIdMiddleware);
  app.use(trailingSlashMiddleware);
  app.use(healthcheckMiddleware(deps.store, deps.healthcheckDisableFile));
  app.use(metricsEndpoint(deps.metrics, deps.authenticator, deps.policy, deps.log));
  app.use(openApiEndpoint(openapi));
  app.use(versionsMiddleware(deps.versions));
  app.use(acceptMiddleware);
  // Before the API's auth: logging in is how a caller gets a token in the first place.
  if (keystone) app.use(keystone);
  app.use(async (ctx: Context, next: Next) => {
    ctx.state.identity = await deps.authenticator.authenticate(ctx.req.headers);
    await next();
  });
  app.use(api.routes);
  app.use(api.fallback);
  return app;
}

/** The user's role names per project, as the identity store holds them now (v1 requests). */
function projectRolesOf(identity: IdentityServices): ProjectRoles {
  return async (userId) => {
    const out = new Map<string, string[]>();
    const user = await identity.users.get(userId).catch(() => null);
    if (!user) return out;
    for (const project of Object.keys(user.roles)) {
      const ids = identity.users.roleIds(user, project);
      if (Array.isArray(ids)) out.set(project, await identity.roles.namesOf(ids));
    }
    return out;
  };
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
