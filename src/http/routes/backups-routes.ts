import { send, sendJson } from '../context';
import { listQuery, param, sendDeleted, sendList, type RouteDef } from './route';

export const backupsRoutes: RouteDef[] = [
  {
    method: 'GET',
    path: '/backups',
    rule: 'backups:get_all',
    handle: async (ctx, s) => sendList(ctx, 'backups', await s.backups.listJson(ctx.state.scope, listQuery(ctx))),
  },
  {
    method: 'POST',
    path: '/backups',
    rule: 'backups:create',
    handle: async (ctx, s) =>
      send(ctx, 201, await s.backups.create(ctx.state.scope, ctx.state.identity.userName, ctx.state.body)),
  },
  {
    method: 'GET',
    path: '/backups/:backup_id',
    rule: 'backups:get',
    handle: async (ctx, s) => sendJson(ctx, 200, await s.backups.getJson(ctx.state.scope, param(ctx, 'backup_id'))),
  },
  {
    method: 'DELETE',
    path: '/backups/:backup_id',
    rule: 'backups:delete',
    handle: async (ctx, s) =>
      sendDeleted(ctx, await s.backups.delete(ctx.state.scope, param(ctx, 'backup_id')), 'Backup', param(ctx, 'backup_id')),
  },
];
