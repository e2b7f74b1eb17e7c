import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { RunReportStream } from '../../../src/agent/run-report-stream';

type Mode = 'take' | 'missing' | 'refuse' | 'break' | 'unauthorized' | 'garbage';

/** A stand-in for POST /run-reports: how it answers is set per test; it records what it got. */
class ReportServer {
  mode: Mode = 'take';
  streamSeconds = 30;
  readonly lines: Array<{ stream: number; run_id: string; n: number }> = [];
  streams = 0;
  /** Streams the agent ended (their request body came to its end). */
  ended = 0;
  private server = http.createServer((req, res) => this.handle(req, res));

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v2/p/run-reports`;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const stream = ++this.streams;
    if (this.mode === 'missing' || this.mode === 'unauthorized') {
      res.writeHead(this.mode === 'missing' ? 404 : 401).end();
      req.resume();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
    res.write(`${JSON.stringify({ stream_seconds: this.streamSeconds })}\n`);
    if (this.mode === 'garbage') {
      // Not an answer: one endless line.
      res.write('x'.repeat(200 * 1024));
      req.resume();
      return;
    }
    let rest = '';
    let count = 0;
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop() ?? '';
      for (const p of parts) {
        const line = JSON.parse(p) as { run_id: string; n: number };
        count++;
        if (this.mode === 'break') {
          req.socket.destroy();
          return;
        }
        if (this.mode === 'refuse') res.write(`${JSON.stringify({ line: count, run_id: line.run_id, status: 409, error: 'ended' })}\n`);
        else this.lines.push({ stream, run_id: line.run_id, n: line.n });
      }
    });
    req.on('end', () => {
      this.ended++;
      res.end(`${JSON.stringify({ accepted: count, refused: 0 })}\n`);
    });
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe('agent: RunReportStream (the agent side of POST /run-reports)', function () {
  this.timeout(20000);
  let server: ReportServer;
  let url = '';
  let stream: RunReportStream;
  let unauthorized = 0;

  beforeEach(async () => {
    server = new ReportServer();
    url = await server.start();
    unauthorized = 0;
    stream = new RunReportStream({
      target: async () => ({ url, headers: { 'X-Auth-Token': 't' } }),
      unauthorized: () => unauthorized++,
      log: pino({ level: 'silent' }),
      idleMs: 300,
      timeoutMs: 5000,
    });
  });
  afterEach(async () => {
    stream.stop();
    await server.stop();
  });

  it('sends the lines of one agent in order on one request, queued while it opens, across rotations', async () => {
    server.streamSeconds = 1;
    for (let n = 0; n < 5; n++) assert.equal(stream.send('r1', { n }), true);
    await until('the queued lines', () => server.lines.length === 5);
    assert.equal(server.streams, 1, 'one request for all five');
    // Lines every 50 ms for 2.5 s: the stream ends within stream_seconds and the next one opens.
    for (let n = 5; n < 55; n++) {
      stream.send(n % 2 ? 'r1' : 'r2', { n });
      await sleep(50);
    }
    await until('every line', () => server.lines.length === 55);
    assert.deepEqual(server.lines.map((l) => l.n), Array.from({ length: 55 }, (_, n) => n), 'in the order sent, none lost');
    // Rotated, and many lines to a stream. Not a count of seconds: on a busy machine the 50 ms
    // pauses stretch (and a long one ends a stream as idle), so only a stream per line is wrong.
    assert.ok(server.streams >= 2 && server.streams <= 11, `${server.streams} streams for 55 lines`);
    assert.equal(stream.epoch, 0, 'nothing may have been lost');
  });

  it('ends an idle stream, and opens another for the next line', async () => {
    stream.send('r1', { n: 1 });
    await until('the line', () => server.lines.length === 1);
    await until('the idle stream to be ended by the agent', () => server.ended === 1);
    stream.send('r1', { n: 2 });
    await until('the next line', () => server.lines.length === 2);
    assert.equal(server.streams, 2);
    assert.equal(stream.epoch, 0);
  });

  it('answers false once the API has no such route (404): the caller PATCHes instead', async () => {
    server.mode = 'missing';
    const before = stream.epoch;
    assert.equal(stream.send('r1', { n: 1 }), true, 'not known yet: queued');
    await until('the 404', () => stream.send('r1', { n: 2 }) === false);
    assert.ok(stream.epoch > before, 'the queued line is lost: callers send everything again');
    assert.equal(server.streams, 1, 'and it does not ask again');
  });

  it('raises the epoch when a line is refused or the stream breaks, and recovers on the next line', async () => {
    server.mode = 'refuse';
    stream.send('r1', { n: 1 });
    await until('the refusal', () => stream.epoch === 1);
    server.mode = 'break';
    stream.send('r1', { n: 2 });
    await until('the break', () => stream.epoch >= 2);
    server.mode = 'take';
    const epoch = stream.epoch;
    await until('a new stream taking lines', () => {
      stream.send('r1', { n: 3 });
      return server.lines.length > 0;
    });
    assert.equal(server.lines[0].n, 3);
    assert.equal(server.streams, 2, 'the refusal kept the stream; the break needed a new one');
    assert.equal(stream.epoch, epoch, 'taken lines do not raise it');
  });

  it('drops a stream whose answer is not one (an endless line), raises the epoch, and recovers', async () => {
    server.mode = 'garbage';
    stream.send('r1', { n: 1 });
    await until('the stream to be dropped', () => stream.epoch >= 1);
    server.mode = 'take';
    await until('a taken line', () => {
      stream.send('r1', { n: 2 });
      return server.lines.length > 0;
    });
  });

  it('tells the caller a 401 (stale token) and keeps reporting once the next stream is taken', async () => {
    server.mode = 'unauthorized';
    stream.send('r1', { n: 1 });
    await until('the 401', () => unauthorized === 1);
    server.mode = 'take';
    await until('a taken line', () => {
      stream.send('r1', { n: 2 });
      return server.lines.length > 0;
    });
    assert.equal(unauthorized, 1);
  });
});
