import http from 'node:http';
import https from 'node:https';

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

const agents = { http: new http.Agent({ keepAlive: true, maxSockets: 4 }), https: new https.Agent({ keepAlive: true, maxSockets: 4 }) };

/** Largest response body the agent accepts (a page of jobs is far smaller). */
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/**
 * One HTTP exchange with a JSON body. node:http rather than fetch: Freezer's list endpoints take
 * their search as a JSON body on GET, which fetch refuses to send. Connections are kept alive.
 */
export function httpJson(
  method: string,
  url: string,
  opts: { headers?: Record<string, string>; body?: unknown; timeoutMs: number; signal?: AbortSignal },
): Promise<HttpResponse> {
  const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  const target = new URL(url);
  const lib = target.protocol === 'https:' ? https : http;
  const headers: Record<string, string | number> = { Accept: 'application/json', ...opts.headers };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    headers['Content-Length'] = Buffer.byteLength(body);
  }
  return new Promise((resolve, reject) => {
    const req = lib.request(target, { method, headers, agent: target.protocol === 'https:' ? agents.https : agents.http }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_RESPONSE_BYTES) req.destroy(new Error(`response from ${target.origin} larger than ${MAX_RESPONSE_BYTES} bytes`));
        else chunks.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(opts.timeoutMs, () => req.destroy(new Error(`${method} ${target.origin}${target.pathname}: no answer within ${opts.timeoutMs} ms`)));
    req.on('error', reject);
    // A held long poll is dropped at once when the agent stops.
    if (opts.signal) {
      const onAbort = () => req.destroy(new Error(`${method} ${target.origin}${target.pathname}: cancelled`));
      if (opts.signal.aborted) onAbort();
      opts.signal.addEventListener('abort', onAbort, { once: true });
      req.once('close', () => opts.signal?.removeEventListener('abort', onAbort));
    }
    req.end(body);
  });
}

/** The parsed JSON body, or null when it is empty or not JSON. */
export function jsonOf(res: HttpResponse): unknown {
  try {
    return res.text ? JSON.parse(res.text) : null;
  } catch {
    return null;
  }
}
