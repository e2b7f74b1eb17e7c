import type { Context, Next } from 'koa';
import type { Logger } from 'pino';
import { AppError, BadRequestError, PayloadTooLargeError } from '../../errors';
import { baseUrl } from '../context';

/**
 * The one place errors become responses: AppErrors map to their status and Freezer's
 * `{"title","description"}` body; anything unexpected is logged and answered with a bare 500
 * (no stack, SQL or driver text ever reaches the client).
 */
export function errorsMiddleware(log: Logger) {
  return async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
    } catch (err) {
      const appError = toAppError(err);
      if (!appError) {
        log.error({ err, method: ctx.method, url: ctx.url, requestId: ctx.state.requestId }, 'unhandled error');
        ctx.status = 500;
        writeBody(ctx, { title: '500 Internal Server Error' });
        return;
      }
      ctx.status = appError.status;
      for (const [k, v] of Object.entries(appError.headers)) ctx.set(k, v);
      if (ctx.state.keystoneApi) {
        writeKeystoneError(ctx, appError);
        return;
      }
      if (appError.status === 401) {
        writeUnauthorized(ctx, appError);
        return;
      }
      if (appError instanceof PayloadTooLargeError) ctx.set('Connection', 'close');
      if (appError.emptyBody) {
        ctx.body = '';
        ctx.set('Content-Type', 'application/json');
        return;
      }
      writeBody(ctx, appError.description ? { title: appError.title, description: appError.description } : { title: appError.title });
    }
  };
}

function writeBody(ctx: Context, body: object): void {
  ctx.body = JSON.stringify(body);
  ctx.set('Content-Type', 'application/json');
  ctx.set('Vary', 'Accept');
}

/** keystonemiddleware's 401: its own body shape, a WWW-Authenticate header and no request id. */
function writeUnauthorized(ctx: Context, err: AppError): void {
  ctx.remove('x-openstack-request-id');
  ctx.set('WWW-Authenticate', `Keystone uri="${baseUrl(ctx)}/v3"`);
  ctx.body = JSON.stringify({
    error: { code: 401, title: 'Unauthorized', message: err.description || 'The request you have made requires authentication.' },
  });
  ctx.set('Content-Type', 'application/json');
}

const KEYSTONE_TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Request Entity Too Large',
  503: 'Service Unavailable',
};

/** The identity API answers in Keystone's error shape: `{"error": {code, title, message}}`. */
function writeKeystoneError(ctx: Context, err: AppError): void {
  // Freezer's 753 for unparseable JSON is a plain 400 in Keystone.
  const status = err.status === 753 ? 400 : err.status;
  ctx.status = status;
  if (status === 401) ctx.set('WWW-Authenticate', `Keystone uri="${baseUrl(ctx)}/v3"`);
  const message =
    err.description || (status === 403 ? 'You are not authorized to perform the requested action.' : KEYSTONE_TITLES[status] ?? err.title);
  ctx.body = JSON.stringify({ error: { code: status, title: KEYSTONE_TITLES[status] ?? err.title, message } });
  ctx.set('Content-Type', 'application/json');
}

/** Errors thrown by libraries (raw-body) carry an HTTP status of their own. */
function toAppError(err: unknown): AppError | null {
  if (err instanceof AppError) return err;
  const e = err as { status?: number; type?: string; message?: string };
  if (e?.type === 'entity.too.large' || e?.status === 413) return new PayloadTooLargeError('The request body is larger than the configured limit');
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) return new BadRequestError(e.message ?? 'Bad request');
  return null;
}
