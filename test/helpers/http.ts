import http from 'node:http';

export interface Response {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The parsed body, or undefined when it is empty or not JSON. */
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string or Buffer as is. */
  body?: unknown;
  timeoutMs?: number;
}

/**
 * A plain node:http request: list endpoints take a JSON body on GET and Freezer answers 753,
 * both of which fetch() does not allow. No keep-alive, so nothing lingers between tests.
 */
export function request(url: string, opts: RequestOptions = {}): Promise<Response> {
  const body =
    opts.body === undefined ? undefined : typeof opts.body === 'string' || Buffer.isBuffer(opts.body) ? opts.body : JSON.stringify(opts.body);
  const headers: Record<string, string | number> = { ...opts.headers };
  if (body !== undefined) headers['Content-Length'] = Buffer.byteLength(body);
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? 'GET', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
      res.on('error', reject);
    });
    req.setTimeout(opts.timeoutMs ?? 10000, () => req.destroy(new Error(`timeout: ${opts.method ?? 'GET'} ${url}`)));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** A client bound to one identity and API base (`/v2/<project>` or `/v1`). */
export class Api {
  constructor(
    readonly root: string,
    readonly base: string,
    readonly headers: Record<string, string> = {},
  ) {}

  static v2(root: string, project: string, user: string, extra: Record<string, string> = {}): Api {
    return new Api(root, `/v2/${project}`, { 'X-User-Id': user, 'X-Project-Id': project, ...extra });
  }

  static v1(root: string, user: string, extra: Record<string, string> = {}): Api {
    return new Api(root, '/v1', { 'X-User-Id': user, ...extra });
  }

  call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    return request(`${this.root}${this.base}${path}`, { method, body, headers: { ...this.headers, ...headers } });
  }

  get(path: string, body?: unknown) {
    return this.call('GET', path, body);
  }
  post(path: string, body?: unknown) {
    return this.call('POST', path, body);
  }
  patch(path: string, body?: unknown) {
    return this.call('PATCH', path, body);
  }
  put(path: string, body?: unknown) {
    return this.call('PUT', path, body);
  }
  delete(path: string) {
    return this.call('DELETE', path);
  }
}
