import { parseRunQuery } from '../../services/runs/run-query';
import type { RunActor } from '../../services/runs/run-document';
import { send, sendJson, type ApiContext } from '../context';
import { param, sendList, type RouteDef } from './route';
import { runReportStreamRoute } from './run-report-stream';

/** The caller, as a run records who asked (run-now, cancel). */
export function actorOf(ctx: ApiContext): RunActor {
  return { user_id: ctx.state.identity.userId, user_name: ctx.state.identity.userName };
}

/** Run records (issue 12): shared by v1 and v2 like every collection. */
export const runsRoutes: RouteDef[] = [
  {
    method: 'GET',
    path: '/runs',
    rule: 'runs:get_all',
    handle: async (ctx, s) => sendList(ctx, 'runs', await s.runs.list(ctx.state.scope, parseRunQuery(ctx.query))),
  },
  {
    method: 'POST',
    path: '/runs',
    rule: 'runs:create',
    handle: async (ctx, s) => send(ctx, 201, await s.runs.open(ctx.state.scope, ctx.state.body, actorOf(ctx))),
  },
  {
    method: 'GET',
    path: '/runs/:run_id',
    rule: 'runs:get',
    handle: async (ctx, s) => sendJson(ctx, 200, await s.runs.getJson(ctx.state.scope, param(ctx, 'run_id'))),
  },
  {
    method: 'PATCH',
    path: '/runs/:run_id',
    rule: 'runs:update',
    handle: async (ctx, s) => {
      const run = await s.runs.report(ctx.state.scope, param(ctx, 'run_id'), ctx.state.body);
      send(ctx, 200, { run_id: run.run_id, status: run.status });
    },
  },
  runReportStreamRoute,
];
