import { send, sendJson } from '../context';
import { listQuery, param, sendDeleted, sendList, type RouteDef } from './route';

export const clientsRoutes: RouteDef[] = [
  {
    method: 'GET',
    path: '/clients',
    rule: 'clients:get_all',
    handle: async (ctx, s) => sendList(ctx, 'clients', await s.clients.listJson(ctx.state.scope, listQuery(ctx))),
  },
  {
    method: 'POST',
    path: '/clients',
    rule: 'clients:create',
    handle: async (ctx, s) => send(ctx, 201, await s.clients.create(ctx.state.scope, ctx.state.body)),
  },
  {
    method: 'GET',
    path: '/clients/:client_id',
    rule: 'clients:get',
    handle: async (ctx, s) => sendJson(ctx, 200, await s.clients.getJson(ctx.state.scope, param(ctx, 'client_id'))),
  },
  {
    method: 'DELETE',
    path: '/clients/:client_id',
    rule: 'clients:delete',
    handle: async (ctx, s) =>
      sendDeleted(ctx, await s.clients.delete(ctx.state.scope, param(ctx, 'client_id')), 'Client', param(ctx, 'client_id')),
  },
];
