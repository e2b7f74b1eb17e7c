import { send, sendJson, sendNoContent } from '../context';
import { listQuery, param, sendDeleted, sendList, type RouteDef } from './route';

export const sessionsRoutes: RouteDef[] = [
  {
    method: 'GET',
    path: '/sessions',
    rule: 'sessions:get_all',
    handle: async (ctx, s) => sendList(ctx, 'sessions', await s.sessions.listJson(ctx.state.scope, listQuery(ctx))),
  },
  {
    method: 'POST',
    path: '/sessions',
    rule: 'sessions:create',
    handle: async (ctx, s) => send(ctx, 201, await s.sessions.create(ctx.state.scope, ctx.state.body)),
  },
  {
    method: 'GET',
    path: '/sessions/:session_id',
    rule: 'sessions:get',
    handle: async (ctx, s) => sendJson(ctx, 200, await s.sessions.getJson(ctx.state.scope, param(ctx, 'session_id'))),
  },
  {
    method: 'POST',
    path: '/sessions/:session_id',
    rule: 'sessions:replace',
    handle: async (ctx, s) => send(ctx, 201, await s.sessions.replace(ctx.state.scope, param(ctx, 'session_id'), ctx.state.body)),
  },
  {
    method: 'PATCH',
    path: '/sessions/:session_id',
    rule: 'sessions:update',
    handle: async (ctx, s) => send(ctx, 200, await s.sessions.patch(ctx.state.scope, param(ctx, 'session_id'), ctx.state.body)),
  },
  {
    method: 'DELETE',
    path: '/sessions/:session_id',
    rule: 'sessions:delete',
    handle: async (ctx, s) =>
      sendDeleted(ctx, await s.sessions.delete(ctx.state.scope, param(ctx, 'session_id')), 'session', param(ctx, 'session_id')),
  },
  {
    method: 'POST',
    path: '/sessions/:session_id/action',
    rule: 'sessions:action:create',
    handle: async (ctx, s) => send(ctx, 202, await s.sessions.action(ctx.state.scope, param(ctx, 'session_id'), ctx.state.body)),
  },
  {
    method: 'PUT',
    path: '/sessions/:session_id/jobs/:job_id',
    rule: 'sessions:job:add',
    handle: async (ctx, s) => {
      await s.sessions.addJob(ctx.state.scope, param(ctx, 'session_id'), param(ctx, 'job_id'));
      sendNoContent(ctx);
    },
  },
  {
    method: 'DELETE',
    path: '/sessions/:session_id/jobs/:job_id',
    rule: 'sessions:job:remove',
    handle: async (ctx, s) => {
      await s.sessions.removeJob(ctx.state.scope, param(ctx, 'session_id'), param(ctx, 'job_id'));
      sendNoContent(ctx);
    },
  },
];
