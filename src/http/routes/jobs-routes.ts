import { send } from '../context';
import { collectionRoutes, param, type RouteDef } from './route';

export const jobsRoutes: RouteDef[] = [
  ...collectionRoutes('jobs', 'job_id', 'Job'),
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
    method: 'POST',
    path: '/jobs/:job_id/event',
    rule: 'jobs:event:create',
    handle: async (ctx, s) => send(ctx, 202, await s.jobs.event(ctx.state.scope, param(ctx, 'job_id'), ctx.state.body)),
  },
];
