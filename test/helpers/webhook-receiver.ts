import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  at: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  path: string;
}

/**
 * A webhook receiver on 127.0.0.1: records every request and answers with the next status of
 * `script` (then 200 for ever).
 */
export class WebhookReceiver {
  readonly received: Received[] = [];
  private server: http.Server | null = null;
  port = 0;

  constructor(private readonly script: number[] = []) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  async start(port = 0): Promise<void> {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.received.push({ at: Date.now(), headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), path: req.url ?? '' });
        res.statusCode = this.script.shift() ?? 200;
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  async waitFor(n: number, timeoutMs = 15_000): Promise<Received[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < n) {
      if (Date.now() > deadline) throw new Error(`the receiver got ${this.received.length} of ${n} requests within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.received.slice(0, n);
  }
}
