import http from 'node:http';
import { collectResponse, type Response } from './http';

export interface StalledRequest {
  /** Sends the rest of the body; the server can answer only after this. */
  finish(): void;
  /** The answer; rejects if the connection fails (ECONNRESET, EPIPE...). */
  response: Promise<Response>;
}

/**
 * A request the server has provably received but cannot finish yet: its headers go out with
 * `Expect: 100-continue`, and node's HTTP server answers `100 Continue` once it has parsed them
 * and handed the request to the app. Only then is the first half of the JSON body sent; the
 * other half waits for finish(). Used to hold requests in flight across a shutdown.
 */
export async function stalledRequest(url: string, method: string, headers: Record<string, string>, body: unknown, timeoutMs = 20000): Promise<StalledRequest> {
  const bytes = Buffer.from(JSON.stringify(body));
  const half = Math.floor(bytes.length / 2);
  const req = http.request(url, {
    method,
    agent: false,
    headers: { ...headers, 'Content-Type': 'application/json', 'Content-Length': bytes.length, Expect: '100-continue' },
  });
  const response = answerOf(req);
  // A failure is also reported by `response`; this keeps it from being unhandled meanwhile.
  response.catch(() => undefined);
  req.flushHeaders();
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no 100 Continue within ${timeoutMs} ms: ${method} ${url}`)), timeoutMs);
    req.once('continue', () => resolve());
    req.once('error', reject);
    response.then(
      (res) => reject(new Error(`answered ${res.status} before its body was sent: ${res.text}`)),
      reject,
    ).finally(() => clearTimeout(timer));
    req.once('continue', () => clearTimeout(timer));
  });
  await new Promise<void>((resolve, reject) => req.write(bytes.subarray(0, half), (err) => (err ? reject(err) : resolve())));
  return { finish: () => req.end(bytes.subarray(half)), response };
}

function answerOf(req: http.ClientRequest): Promise<Response> {
  return new Promise((resolve, reject) => {
    req.on('error', reject);
    req.on('response', (res) => collectResponse(res).then(resolve, reject));
  });
}
