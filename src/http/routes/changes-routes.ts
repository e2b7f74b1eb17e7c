import { send, type ApiContext } from '../context';
import { param, type RouteDef } from './route';

/** The wait-for-change channel (issue 12, contract 4): agents long-poll it instead of polling their jobs. */
export const changesRoutes: RouteDef[] = [
  {
    method: 'GET',
    path: '/clients/:client_id/changes',
    rule: 'clients:changes:get',
    handle: async (ctx, s) => {
      const closed = closedSignal(ctx);
      send(ctx, 200, await s.changes.wait(ctx.state.scope, param(ctx, 'client_id'), ctx.query as Record<string, unknown>, closed));
    },
  },
];

/** Aborts when the caller hangs up, so a held request does not outlive its connection. */
function closedSignal(ctx: ApiContext): AbortSignal {
  const controller = new AbortController();
  const onClose = () => {
    if (!ctx.res.writableFinished) controller.abort();
  };
  ctx.req.once('close', onClose);
  ctx.res.once('finish', () => ctx.req.off('close', onClose));
  return controller.signal;
}
