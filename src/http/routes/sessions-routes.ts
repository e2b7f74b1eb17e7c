import { send, sendNoContent } from '../context';
import { collectionRoutes, param, type RouteDef } from './route';

const sid = (ctx: Parameters<RouteDef['handle']>[0]) => param(ctx, 'session_id');

export const sessionsRoutes: RouteDef[] = [
  ...collectionRoutes('sessions', 'session_id', 'session'),
  {
    method: 'POST',
    path: '/sessions/:session_id',
    rule: 'sessions:replace',
    handle: async (ctx, s) => send(ctx, 201, await s.sessions.replace(ctx.state.scope, sid(ctx), ctx.state.body)),
  },
  {
    method: 'PATCH',
    path: '/sessions/:session_id',
    rule: 'sessions:update',
    handle: async (ctx, s) => send(ctx, 200, await s.sessions.patch(ctx.state.scope, sid(ctx), ctx.state.body)),
  },
  {
    method: 'POST',
    path: '/sessions/:session_id/action',
    rule: 'sessions:action:create',
    handle: async (ctx, s) => send(ctx, 202, await s.sessions.action(ctx.state.scope, sid(ctx), ctx.state.body)),
  },
  {
    method: 'PUT',
    path: '/sessions/:session_id/jobs/:job_id',
    rule: 'sessions:job:add',
    handle: async (ctx, s) => {
      await s.sessions.addJob(ctx.state.scope, sid(ctx), param(ctx, 'job_id'));
      sendNoContent(ctx);
    },
  },
  {
    method: 'DELETE',
    path: '/sessions/:session_id/jobs/:job_id',
    rule: 'sessions:job:remove',
    handle: async (ctx, s) => {
      await s.sessions.removeJob(ctx.state.scope, sid(ctx), param(ctx, 'job_id'));
      sendNoContent(ctx);
    },
  },
];
