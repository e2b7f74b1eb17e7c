import http from 'node:http';
import type { Context, Next } from 'koa';
import type { Logger } from 'pino';
import type { Authenticator } from '../../auth/identity';
import type { Policy } from '../../auth/policy';
import { AppError, ForbiddenError, StoreUnavailableError } from '../../errors';
import type { ServerMetrics } from '../../metrics/server-metrics';

/** The policy rule for GET /metrics on the API address (default: `role:metrics or rule:cloud_admin`). */
export const METRICS_RULE = 'metrics:get';

/**
 * GET /metrics on the API address: the whole deployment's figures (every project's job ids), so
 * it needs a token the `metrics:get` rule allows, never an agent's (client-limited) token. An
 * operator who prefers a scrape without credentials sets `metrics_bind` (metricsBindServer).
 */
export function metricsEndpoint(metrics: ServerMetrics, authenticator: Authenticator, policy: Policy, log: Logger) {
  return async (ctx: Context, next: Next): Promise<void> => {
    if (ctx.path !== '/metrics') return next();
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') throw new MethodNotAllowed();
    const identity = await authenticator.authenticate(ctx.req.headers);
    if (identity.clientId) throw new ForbiddenError();
    policy.enforce(METRICS_RULE, identity, { projectId: identity.projectId, userId: identity.userId });
    const text = await metrics.render().catch((err: unknown) => {
      log.error({ err }, 'metrics: cannot render');
      throw new StoreUnavailableError('The metrics cannot be gathered right now');
    });
    ctx.status = 200;
    ctx.body = text;
    ctx.set('Content-Type', metrics.contentType);
  };
}

class MethodNotAllowed extends AppError {
  readonly status = 405;
  readonly title = '405 Method Not Allowed';
  constructor() {
    super();
    this.headers = { Allow: 'GET, HEAD' };
  }
}

/**
 * `metrics_bind`: a listener of its own that answers GET /metrics and nothing else, without auth
 * (for a scraper on a private network or loopback: the operator's choice of address is the access
 * control). With several workers each listens on it, as on the API port.
 */
export function metricsBindServer(metrics: ServerMetrics, log: Logger): http.Server {
  return http.createServer({ requestTimeout: 30_000 }, (req, res) => {
    const path = (req.url ?? '').split('?')[0].replace(/\/+$/, '');
    if (path !== '/metrics') return answer(res, 404, 'text/plain; charset=utf-8', 'Not Found: this address serves /metrics only\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return answer(res, 405, 'text/plain; charset=utf-8', 'Method Not Allowed\n');
    }
    metrics.render().then(
      (text) => answer(res, 200, metrics.contentType, req.method === 'HEAD' ? '' : text),
      (err: unknown) => {
        log.error({ err }, 'metrics: cannot render');
        answer(res, 503, 'text/plain; charset=utf-8', 'metrics unavailable\n');
      },
    );
  });
}

function answer(res: http.ServerResponse, status: number, type: string, body: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  res.end(body);
}
