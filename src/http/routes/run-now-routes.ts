import { send } from '../context';
import { param, type RouteDef } from './route';
import { actorOf } from './runs-routes';

/** Run now and cancel (issue 12, item 3; contract 2). */
export const runNowRoutes: RouteDef[] = [
  {
    method: 'POST',
    path: '/jobs/:job_id/runs',
    rule: 'jobs:runs:create',
    handle: async (ctx, s) => {
      const key = ctx.req.headers['idempotency-key'];
      const answer = await s.runNow.runNow(ctx.state.scope, param(ctx, 'job_id'), ctx.query as Record<string, unknown>, ctx.state.body, key, actorOf(ctx));
      send(ctx, answer.status, answer.run);
    },
  },
  {
    method: 'POST',
    path: '/runs/:run_id/cancel',
    rule: 'runs:cancel',
    handle: async (ctx, s) => send(ctx, 202, await s.runNow.cancel(ctx.state.scope, param(ctx, 'run_id'), ctx.query as Record<string, unknown>, ctx.state.body, actorOf(ctx))),
  },
];
