import { send } from '../context';
import { assertKnownParams } from '../events/query-params';
import { param, sendDeleted, type RouteDef } from './route';

/** Webhooks of the caller's scope; the secret is write-only (answers say `secret_set`). */
export const webhooksRoutes: RouteDef[] = [
  {
    method: 'GET',
    path: '/webhooks',
    rule: 'webhooks:get_all',
    handle: async (ctx, s) => {
      assertKnownParams(ctx.query, []);
      send(ctx, 200, { webhooks: await s.webhooks.list(ctx.state.scope) });
    },
  },
  {
    method: 'POST',
    path: '/webhooks',
    rule: 'webhooks:create',
    handle: async (ctx, s) => {
      assertKnownParams(ctx.query, []);
      send(ctx, 201, await s.webhooks.create(ctx.state.scope, ctx.state.body));
    },
  },
  {
    method: 'GET',
    path: '/webhooks/:webhook_id',
    rule: 'webhooks:get',
    handle: async (ctx, s) => {
      assertKnownParams(ctx.query, []);
      send(ctx, 200, await s.webhooks.get(ctx.state.scope, param(ctx, 'webhook_id')));
    },
  },
  {
    method: 'PATCH',
    path: '/webhooks/:webhook_id',
    rule: 'webhooks:update',
    handle: async (ctx, s) => {
      assertKnownParams(ctx.query, []);
      send(ctx, 200, await s.webhooks.patch(ctx.state.scope, param(ctx, 'webhook_id'), ctx.state.body));
    },
  },
  {
    method: 'DELETE',
    path: '/webhooks/:webhook_id',
    rule: 'webhooks:delete',
    handle: async (ctx, s) => {
      assertKnownParams(ctx.query, []);
      sendDeleted(ctx, await s.webhooks.delete(ctx.state.scope, param(ctx, 'webhook_id')), 'webhook', param(ctx, 'webhook_id'));
    },
  },
  {
    method: 'GET',
    path: '/webhooks/:webhook_id/deliveries',
    rule: 'webhooks:deliveries:get_all',
    handle: async (ctx, s) => {
      assertKnownParams(ctx.query, ['limit']);
      send(ctx, 200, { deliveries: await s.webhooks.deliveries(ctx.state.scope, param(ctx, 'webhook_id'), ctx.query.limit) });
    },
  },
];
