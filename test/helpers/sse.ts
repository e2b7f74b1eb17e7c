import http from 'node:http';

export interface SseEvent {
  id: string | null;
  event: string | null;
  data: string;
}

/**
 * A test client of a text/event-stream answer: collects the events (and comment lines) as they
 * come, and lets a test wait for a number of them. Not recorded (the recorder needs whole bodies).
 */
export class SseClient {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  status = 0;
  headers: http.IncomingHttpHeaders = {};
  /** The whole body when the answer was not a stream (an error). */
  text = '';
  ended = false;
  error: Error | null = null;
  private buffer = '';
  private req: http.ClientRequest | null = null;
  private waiters: Array<() => void> = [];

  /** Resolves once the answer's headers are in. */
  static open(url: string, headers: Record<string, string>): Promise<SseClient> {
    const c = new SseClient();
    return new Promise((resolve, reject) => {
      c.req = http.request(url, { headers: { Accept: 'text/event-stream', ...headers }, agent: false }, (res) => {
        c.status = res.statusCode ?? 0;
        c.headers = res.headers;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => c.feed(chunk));
        res.on('end', () => c.finish(null));
        res.on('error', (err) => c.finish(err));
        resolve(c);
      });
      c.req.on('error', (err) => {
        c.finish(err);
        reject(err);
      });
      c.req.end();
    });
  }

  /** Waits until at least `n` events arrived (rejects after timeoutMs with what came). */
  async waitFor(n: number, timeoutMs = 10_000): Promise<SseEvent[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.events.length < n) {
      if (this.ended) throw new Error(`the stream ended after ${this.events.length} of ${n} events`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`only ${this.events.length} of ${n} events within ${timeoutMs} ms: ${JSON.stringify(this.events)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.events.slice(0, n);
  }

  /** Waits for the server to end the stream. */
  async waitEnd(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended) {
      if (Date.now() > deadline) throw new Error('the stream did not end');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close(): void {
    this.req?.destroy();
  }

  /** The parsed `data:` of each event. */
  datas(): Array<Record<string, any>> { // eslint-disable-line @typescript-eslint/no-explicit-any
    return this.events.map((e) => JSON.parse(e.data) as Record<string, unknown>);
  }

  private feed(chunk: string): void {
    if (!String(this.headers['content-type'] ?? '').startsWith('text/event-stream')) {
      this.text += chunk;
      return;
    }
    this.buffer += chunk;
    let cut: number;
    while ((cut = this.buffer.indexOf('\n\n')) >= 0) {
      const frame = this.buffer.slice(0, cut);
      this.buffer = this.buffer.slice(cut + 2);
      const ev: SseEvent = { id: null, event: null, data: '' };
      let hasData = false;
      for (const line of frame.split('\n')) {
        if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
        else if (line.startsWith('id: ')) ev.id = line.slice(4);
        else if (line.startsWith('event: ')) ev.event = line.slice(7);
        else if (line.startsWith('data: ')) {
          ev.data += (hasData ? '\n' : '') + line.slice(6);
          hasData = true;
        }
      }
      if (hasData) this.events.push(ev);
    }
    this.wake();
  }

  private finish(err: Error | null): void {
    this.ended = true;
    this.error ??= err;
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const fn of w) fn();
  }
}
