import { send } from '../context';
import type { RouteDef } from './route';

/** Freshness (issue 12 item 4): which jobs are stale, which clients fell silent; shared by v1 and v2. */
export const freshnessRoutes: RouteDef[] = [
  {
    method: 'GET',
    path: '/freshness/jobs',
    rule: 'freshness:get_all',
    handle: async (ctx, s) => send(ctx, 200, { jobs: await s.freshness.listJobs(ctx.state.scope, ctx.query as Record<string, unknown>) }),
  },
  {
    method: 'GET',
    path: '/freshness/clients',
    rule: 'freshness:get_all',
    handle: async (ctx, s) => send(ctx, 200, { clients: await s.freshness.listClients(ctx.state.scope, ctx.query as Record<string, unknown>) }),
  },
];
