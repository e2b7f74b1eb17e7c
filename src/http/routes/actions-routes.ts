import { send } from '../context';
import { listQuery, param, sendDeleted, sendList, type RouteDef } from './route';

export const actionsRoutes: RouteDef[] = [
  {
    method: 'GET',
    path: '/actions',
    rule: 'actions:get_all',
    handle: async (ctx, s) => sendList(ctx, 'actions', await s.actions.listJson(ctx.state.scope, listQuery(ctx))),
  },
  {
    method: 'POST',
    path: '/actions',
    rule: 'actions:create',
    handle: async (ctx, s) => send(ctx, 201, await s.actions.create(ctx.state.scope, ctx.state.body)),
  },
  {
    method: 'GET',
    path: '/actions/:action_id',
    rule: 'actions:get',
    handle: async (ctx, s) => send(ctx, 200, await s.actions.get(ctx.state.scope, param(ctx, 'action_id'))),
  },
  {
    method: 'POST',
    path: '/actions/:action_id',
    rule: 'actions:replace',
    handle: async (ctx, s) => send(ctx, 201, await s.actions.replace(ctx.state.scope, param(ctx, 'action_id'), ctx.state.body)),
  },
  {
    method: 'PATCH',
    path: '/actions/:action_id',
    rule: 'actions:update',
    handle: async (ctx, s) => send(ctx, 200, await s.actions.patch(ctx.state.scope, param(ctx, 'action_id'), ctx.state.body)),
  },
  {
    method: 'DELETE',
    path: '/actions/:action_id',
    rule: 'actions:delete',
    handle: async (ctx, s) =>
      sendDeleted(ctx, await s.actions.delete(ctx.state.scope, param(ctx, 'action_id')), 'action', param(ctx, 'action_id')),
  },
];
