import Router from '@koa/router';
import type { IncomingMessage } from 'node:http';
import type { Context, Next } from 'koa';
import type { Policy } from '../auth/policy';
import { CLIENT_LIMITED_RULES } from '../auth/client-limit-rules';
import { AppError, ForbiddenError } from '../errors';
import type { Services } from '../services';
import type { Scope } from '../store/types';
import type { ApiContext } from './context';
import type { JsonLineSplitter } from './middleware/body';
import type { StreamedRequest } from './streamed-requests';
import { answerConditionally } from './middleware/conditional';
import { actionsRoutes } from './routes/actions-routes';
import { backupsRoutes } from './routes/backups-routes';
import { changesRoutes } from './routes/changes-routes';
import { clientsRoutes } from './routes/clients-routes';
import { freshnessRoutes } from './routes/freshness-routes';
import { eventsRoutes } from './routes/events-routes';
import { jobsRoutes } from './routes/jobs-routes';
import { runNowRoutes } from './routes/run-now-routes';
import { runsRoutes } from './routes/runs-routes';
import type { RouteDef } from './routes/route';
import { signaturesOf, templateOf, type RouteSignature } from './route-list';
import { sessionsRoutes } from './routes/sessions-routes';
import { webhooksRoutes } from './routes/webhooks-routes';
import { v1ProjectAccess, type ProjectRoles } from './v1-project-access';

/** Every resource route of v1 and v2 (the fuzz test sends hostile requests to each). */
export const API_ROUTES: readonly RouteDef[] = [
  ...backupsRoutes,
  ...clientsRoutes,
  ...jobsRoutes,
  ...actionsRoutes,
  ...sessionsRoutes,
  ...runsRoutes,
  ...runNowRoutes,
  ...changesRoutes,
  ...freshnessRoutes,
  ...eventsRoutes,
  ...webhooksRoutes,
];

/** How each API version turns the caller into a tenant scope: the only difference between them. */
const VERSION_PREFIX = {
  v1: {
    prefix: '/v1',
    scope: (ctx: ApiContext): Scope => ({ userId: ctx.state.identity.userId, projectId: null, clientId: ctx.state.identity.clientId ?? null }),
  },
  v2: {
    prefix: '/v2/:project_id',
    scope: (ctx: ApiContext): Scope => ({
      userId: ctx.state.identity.userId,
      projectId: (ctx.params as Record<string, string>).project_id,
      clientId: ctx.state.identity.clientId ?? null,
    }),
  },
} as const;

type Middleware = (ctx: Context, next: Next) => Promise<void>;

export interface ApiRouter {
  /** Dispatches to the matched route (which reads the body); falls through on a miss. */
  routes: Middleware;
  /** After a miss: 404 for unknown paths, 405 or OPTIONS from the methods the path has. */
  fallback: Middleware;
  /** Every route the router answers, read from the router itself (/openapi.json, metrics labels). */
  list: RouteSignature[];
}

export interface ApiRouterOptions {
  versions: Array<'v1' | 'v2'>;
  readBody: (ctx: Context) => Promise<unknown>;
  /** Routes that take JSON lines (body: 'lines'): a splitter for the request's body. */
  lineSplitter: () => JsonLineSplitter;
  /** Streamed requests (body: 'lines') outlive the server's request timeout within bounds of their own. */
  admitStream: (req: IncomingMessage) => StreamedRequest;
  /** A v2 URL project other than the token's answers 403 unless the caller is the cloud admin (spec A.2.2 REC). */
  enforceProjectScope: boolean;
  /** The auth mode (jwt, keystone, noauth): decides how far a v1 token reaches (v1-project-access.ts). */
  authMode: string;
  /** jwt: the caller's roles on each project, from the identity store; null otherwise. */
  projectRoles: ProjectRoles | null;
}

export function createApiRouter(services: Services, policy: Policy, opts: ApiRouterOptions): ApiRouter {
  const { versions, readBody } = opts;
  const router = new Router();
  const described = new Map<string, Omit<RouteSignature, 'method' | 'path'>>();
  for (const v of versions) {
    const { prefix, scope } = VERSION_PREFIX[v];
    router.get(v === 'v1' ? '/v1' : '/v2', async (ctx) => {
      refuseHead(ctx);
      jsonHome(ctx, v);
    });
    for (const route of API_ROUTES) {
      described.set(`${route.method} ${templateOf(prefix + route.path)}`, { group: 'api', rule: route.rule, version: v, relative: templateOf(route.path) });
      router.register(`${prefix}${route.path}`, [route.method], async (ctx) => {
        refuseHead(ctx);
        const api = ctx as ApiContext;
        const identity = api.state.identity;
        api.state.scope = scope(api);
        if (identity.clientId && !CLIENT_LIMITED_RULES.has(route.rule)) throw new ForbiddenError();
        if (opts.enforceProjectScope && v === 'v2' && api.state.scope.projectId !== identity.projectId) {
          // Only the cloud admin (admin on the admin project), never the admin of another project.
          if (!policy.allows('cloud_admin', identity, api.state.scope)) throw new ForbiddenError();
        }
        policy.enforce(route.rule, identity, v === 'v1' ? { ...api.state.scope, projectId: identity.projectId } : api.state.scope);
        if (v === 'v1') api.state.scope.projects = await v1ProjectAccess(identity, route.rule, opts.authMode, policy, opts.projectRoles);
        if (route.body === 'lines') {
          api.state.lines = opts.lineSplitter();
          api.state.stream = opts.admitStream(ctx.req);
        } else api.state.body = await readBody(ctx);
        await route.handle(api, services);
        if (route.rule.endsWith(':get_all')) answerConditionally(ctx);
      });
    }
  }
  const list = signaturesOf(router.stack, (method, path) => described.get(`${method} ${path}`) ?? { group: 'api', rule: null });
  return { routes: router.routes() as unknown as Middleware, fallback: missed, list };
}

/** The router answers HEAD on GET routes by itself; Freezer routes no HEAD on API resources. */
function refuseHead(ctx: Context): void {
  if (ctx.method === 'HEAD') throw methodNotAllowed(allowedMethods(ctx), true);
}

async function missed(ctx: Context): Promise<void> {
  const methods = allowedMethods(ctx);
  if (methods.length === 0) throw new RouteError(404, '404 Not Found');
  if (ctx.method !== 'OPTIONS') throw methodNotAllowed(methods, false);
  ctx.status = 200;
  ctx.body = '';
  ctx.set('Allow', methods.join(', '));
}

/** The methods routed on the request path (the router leaves the path's layers in ctx.matched). */
function allowedMethods(ctx: Context): string[] {
  const layers = (ctx as Context & { matched?: Array<{ methods: string[] }> }).matched ?? [];
  return [...new Set(layers.flatMap((l) => l.methods))].filter((m) => m !== 'HEAD').sort();
}

function methodNotAllowed(methods: string[], emptyBody: boolean): RouteError {
  return new RouteError(405, '405 Method Not Allowed', { Allow: [...methods, 'OPTIONS'].join(', ') }, emptyBody);
}

/** 404/405 from routing carry Falcon's bodies, whose title is the status line. */
class RouteError extends AppError {
  readonly title: string;
  constructor(
    readonly status: number,
    title: string,
    headers: Record<string, string> = {},
    empty = false,
  ) {
    super();
    this.title = title;
    this.headers = headers;
    this.emptyBody = empty;
  }
}

/** GET /v1, /v2: the JSON-home document (spec A.3.2). */
function jsonHome(ctx: Context, v: 'v1' | 'v2'): void {
  const hrefVars: Record<string, string> = v === 'v2' ? { project_id: 'param/project_id' } : {};
  const doc = {
    resources: {
      'rel/backups': {
        'href-template': v === 'v2' ? '/v2/{project_id}/backups/{backup_id}' : '/v1/backups/{backup_id}',
        'href-vars': { ...hrefVars, backup_id: 'param/backup_id' },
        hints: { allow: ['GET'], formats: { 'application/json': {} } },
      },
    },
  };
  ctx.status = 200;
  ctx.body = JSON.stringify(doc, null, 4);
  ctx.set('Content-Type', 'application/json-home');
}
