import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

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
  /**
   * false: not recorded for the OpenAPI check (an answer of another server than the API on the
   * same paths, such as the metrics_bind address, which /openapi.json does not describe).
   */
  record?: boolean;
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
      collectResponse(res).then((response) => {
        if (opts.record !== false) record(opts.method ?? 'GET', url, res, response.text);
        resolve(response);
      }, reject);
    });
    req.setTimeout(opts.timeoutMs ?? 10000, () => req.destroy(new Error(`timeout: ${opts.method ?? 'GET'} ${url}`)));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** Reads a whole answer: its text, and its JSON when it parses (undefined otherwise). */
export function collectResponse(res: http.IncomingMessage): Promise<Response> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('error', reject);
    res.on('aborted', () => reject(new Error('response aborted')));
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

/** One response as the recorder keeps it (test/helpers/openapi-check.ts validates them). */
export interface RecordedResponse {
  method: string;
  /** Path and query, as requested. */
  url: string;
  status: number;
  contentType: string | null;
  /** The body text; absent when it was too long to keep (then only the status is checked). */
  body?: string;
}

const RECORD_LIMIT = 1 << 20;
let recordFile: string | null | undefined;

/**
 * Opt-in recorder: with PERMAFROST_RECORD_RESPONSES=<dir> every response this helper receives is
 * appended to <dir>/responses-<pid>.jsonl, so that one test at the end of a run
 * (test/openapi/recorded-responses.test.ts) can check them all against /openapi.json.
 */
export function recordingFile(): string | null {
  if (recordFile === undefined) {
    const dir = process.env.PERMAFROST_RECORD_RESPONSES;
    recordFile = dir ? path.resolve(dir, `responses-${process.pid}.jsonl`) : null;
    if (recordFile) fs.mkdirSync(path.dirname(recordFile), { recursive: true });
  }
  return recordFile;
}

function record(method: string, url: string, res: http.IncomingMessage, text: string): void {
  const file = recordingFile();
  if (!file) return;
  const u = new URL(url);
  const entry: RecordedResponse = {
    method: method.toUpperCase(),
    url: `${u.pathname}${u.search}`,
    status: res.statusCode ?? 0,
    contentType: res.headers['content-type'] ?? null,
    ...(text.length <= RECORD_LIMIT ? { body: text } : {}),
  };
  fs.appendFileSync(file, `${JSON.stringify(entry)}\n`);
}
