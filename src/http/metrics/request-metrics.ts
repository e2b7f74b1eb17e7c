import type { Context, Next } from 'koa';
import type { RouteMatcher } from '../../metrics/route-matcher';
import type { ServerMetrics } from '../../metrics/server-metrics';

/**
 * Observes every request's duration under its route template (RouteMatcher: the route tables'
 * paths, never the raw URL). Placed before the errors middleware, so the status is the one sent.
 */
export function requestMetricsMiddleware(metrics: ServerMetrics, matcher: RouteMatcher) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const start = process.hrtime.bigint();
    try {
      await next();
    } finally {
      metrics.observeRequest(ctx.method, matcher.match(ctx.path), ctx.status, Number(process.hrtime.bigint() - start) / 1e9);
    }
  };
}
