import type { RouteSignature } from './route-list';

/**
 * The endpoints answered outside the API and Keystone routers (by middleware in app.ts). A new
 * endpoint of that kind is added here, so that /openapi.json describes it and its requests get
 * their own route label in the metrics.
 */
export const SERVICE_ROUTES: readonly RouteSignature[] = [
  { method: 'GET', path: '/', group: 'service', rule: null },
  { method: 'GET', path: '/healthcheck', group: 'service', rule: null },
  { method: 'HEAD', path: '/healthcheck', group: 'service', rule: null },
  { method: 'GET', path: '/metrics', group: 'service', rule: 'metrics:get' },
  { method: 'GET', path: '/openapi.json', group: 'service', rule: null },
];
