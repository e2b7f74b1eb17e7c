import { send } from '../context';
import { collectionRoutes, param, type RouteDef } from './route';

export const actionsRoutes: RouteDef[] = [
  ...collectionRoutes('actions', 'action_id', 'action'),
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
];
