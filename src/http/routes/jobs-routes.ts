import { send, sendJson } from '../context';
import { listQuery, param, sendDeleted, sendList, type RouteDef } from './route';

export const jobsRoutes: RouteDef[] = [
  {
    method: 'GET',
    path: '/jobs',
    rule: 'jobs:get_all',
    handle: async (ctx, s) => sendList(ctx, 'jobs', await s.jobs.listJson(ctx.state.scope, listQuery(ctx))),
  },
  {
    method: 'POST',
    path: '/jobs',
    rule: 'jobs:create',
    handle: async (ctx, s) => send(ctx, 201, await s.jobs.create(ctx.state.scope, ctx.state.body)),
  },
  {
    method: 'GET',
    path: '/jobs/:job_id',
    rule: 'jobs:get',
    handle: async (ctx, s) => sendJson(ctx, 200, await s.jobs.getJson(ctx.state.scope, param(ctx, 'job_id'))),
  },
  {
    method: 'POST',
    path: '/jobs/:job_id',
    rule: 'jobs:create',
    handle: async (ctx, s) => send(ctx, 201, await s.jobs.replace(ctx.state.scope, param(ctx, 'job_id'), ctx.state.body)),
  },
  {
    method: 'PATCH',
    path: '/jobs/:job_id',
    rule: 'jobs:update',
    handle: async (ctx, s) => send(ctx, 200, await s.jobs.patch(ctx.state.scope, param(ctx, 'job_id'), ctx.state.body)),
  },
  {
    method: 'DELETE',
    path: '/jobs/:job_id',
    rule: 'jobs:delete',
    handle: async (ctx, s) =>
      sendDeleted(ctx, await s.jobs.delete(ctx.state.scope, param(ctx, 'job_id')), 'Job', param(ctx, 'job_id')),
  },
  {
    method: 'POST',
    path: '/jobs/:job_id/event',
    rule: 'jobs:event:create',
    handle: async (ctx, s) => send(ctx, 202, await s.jobs.event(ctx.state.scope, param(ctx, 'job_id'), ctx.state.body)),
  },
];
