import http from 'node:http';
import https from 'node:https';
import type { Logger } from 'pino';

/** Where the stream goes, with fresh auth headers (asked again for every stream). */
export interface StreamTarget {
  url: string;
  headers: Record<string, string>;
}

export interface RunReportStreamDeps {
  target: () => Promise<StreamTarget>;
  /** The API answered 401: the token is stale (the next target() logs in again). */
  unauthorized: () => void;
  log: Logger;
  /** A stream with no line for this long is ended (no run in flight); default 10 s. */
  idleMs?: number;
  /** A stream whose connection is silent this long (no answer, nothing sent) is dropped. */
  timeoutMs: number;
}

/** Lines held while a stream opens (or the last one drains); beyond this they are dropped. */
const MAX_QUEUED_LINES = 10_000;
/** A stream whose socket holds more unsent bytes than this is stuck: it is dropped. */
const MAX_UNSENT_BYTES = 4 * 1024 * 1024;
/** The server's answer lines are short; one longer than this is not an answer: the stream is dropped. */
const MAX_ANSWER_LINE = 64 * 1024;

type State = 'closed' | 'opening' | 'open' | 'draining' | 'unavailable' | 'stopped';

/**
 * The agent's side of POST /run-reports (a Permafrost API): every run report of this agent goes
 * out as one JSON line on one long request, so the server parses lines instead of answering a
 * PATCH per run every 2 s. The stream is opened at the first report, ended a little before the
 * `stream_seconds` the server names (it cuts streams that outlive them) or when idle, and the
 * next one opens after the last has been answered to the end, so lines are applied in the order
 * they were sent. Lines sent meanwhile wait in a queue.
 *
 * `send` answers false only when the API has no such route (404, 405, 403: an older Permafrost):
 * the caller PATCHes instead. When lines may have been lost (a stream broke, a line was refused,
 * the queue overflowed) `epoch` goes up, and callers send their whole report again.
 */
export class RunReportStream {
  /** Goes up whenever lines may have been lost. */
  epoch = 0;
  private state: State = 'closed';
  private req: http.ClientRequest | null = null;
  private queue: string[] = [];
  private openedAt = 0;
  private lastLineAt = 0;
  /** When this stream ends (ms after it opened): a little before the server's stream_seconds. */
  private lifetimeMs = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly deps: RunReportStreamDeps) {}

  send(runId: string, report: Record<string, unknown>): boolean {
    if (this.state === 'unavailable') return false;
    if (this.state === 'stopped') return true;
    const line = `${JSON.stringify({ run_id: runId, ...report })}\n`;
    this.lastLineAt = Date.now();
    if (this.state === 'open' && this.req) {
      this.req.write(line);
      if (this.req.writableLength > MAX_UNSENT_BYTES) this.broken(new Error(`more than ${MAX_UNSENT_BYTES} bytes unsent`));
      return true;
    }
    if (this.queue.length >= MAX_QUEUED_LINES) {
      this.queue = [];
      this.epoch++;
    }
    this.queue.push(line);
    if (this.state === 'closed') void this.open();
    return true;
  }

  /** Ends the stream in flight (the agent stops); later reports are dropped. */
  stop(): void {
    this.state = 'stopped';
    this.queue = [];
    this.clearTimer();
    this.req?.end();
    this.req = null;
  }

  private async open(): Promise<void> {
    this.state = 'opening';
    let target: StreamTarget;
    try {
      target = await this.deps.target();
    } catch (err) {
      this.lost(err as Error);
      return;
    }
    if (this.state !== 'opening') return;
    const url = new URL(target.url);
    const lib = url.protocol === 'https:' ? https : http;
    // A connection of its own: the stream holds it for up to stream_seconds.
    const req = lib.request(url, {
      method: 'POST',
      agent: false,
      headers: { ...target.headers, 'Content-Type': 'application/x-ndjson', Accept: 'application/x-ndjson' },
    });
    this.req = req;
    req.setTimeout(this.deps.timeoutMs, () => req.destroy(new Error(`no answer within ${this.deps.timeoutMs} ms`)));
    req.on('error', (err) => {
      if (this.req === req) this.lost(err);
    });
    req.on('response', (res) => this.answered(req, res));
    req.flushHeaders();
  }

  private answered(req: http.ClientRequest, res: http.IncomingMessage): void {
    const status = res.statusCode ?? 0;
    if (status !== 200) {
      res.resume();
      if (this.req !== req) return;
      this.req = null;
      req.destroy();
      if (status === 404 || status === 405 || status === 403) {
        this.state = 'unavailable';
        this.queue = [];
        this.epoch++;
        this.deps.log.info({ status }, 'the API takes no streamed run reports: each report is a PATCH');
        return;
      }
      if (status === 401) this.deps.unauthorized();
      this.lost(new Error(`HTTP ${status}`));
      return;
    }
    let ended = false;
    let rest = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) if (this.answerLine(req, line)) ended = true;
      if (rest.length > MAX_ANSWER_LINE) res.destroy(new Error(`an answer line longer than ${MAX_ANSWER_LINE} characters`));
    });
    // A broken answer is handled on 'close' (the lines may not have been applied).
    res.on('error', () => undefined);
    res.on('close', () => {
      if (!ended) {
        // Answered lines were applied; the others may not have been.
        this.epoch++;
        this.deps.log.warn('the run report stream broke: reports are sent again in full');
      }
      if (this.req === req) this.req = null;
      if (this.state === 'open' || this.state === 'draining') this.next();
    });
  }

  /** One line of the answer; true for the last one (the stream was answered to the end). */
  private answerLine(req: http.ClientRequest, text: string): boolean {
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return false;
    }
    if (typeof line.stream_seconds === 'number') {
      // Spread over the last quarter, so agents started together do not all reopen together.
      this.lifetimeMs = Math.max(1, line.stream_seconds) * 1000 * (0.75 + Math.random() * 0.25);
      this.opened(req);
      return false;
    }
    if (typeof line.status === 'number') {
      this.epoch++;
      // 409: the run has ended (cancelled, or closed by the server); its closing report says so.
      const level = line.status === 409 ? 'debug' : 'warn';
      this.deps.log[level]({ runId: line.run_id, status: line.status, error: line.error }, 'a run report was refused');
      return false;
    }
    return typeof line.accepted === 'number';
  }

  /** The server took the stream: the queued lines go out, then every line as it comes. */
  private opened(req: http.ClientRequest): void {
    if (this.req !== req || this.state !== 'opening') return;
    this.state = 'open';
    this.openedAt = Date.now();
    for (const line of this.queue) req.write(line);
    this.queue = [];
    this.clearTimer();
    this.timer = setInterval(() => this.tick(), 1000);
    this.timer.unref();
  }

  /** Ends the stream when its time is up or no line came for idleMs. */
  private tick(): void {
    const now = Date.now();
    if (now - this.openedAt < this.lifetimeMs && now - this.lastLineAt < (this.deps.idleMs ?? 10_000)) return;
    this.clearTimer();
    this.state = 'draining';
    this.req?.end();
  }

  /** After a stream ended: the next one opens if lines wait. */
  private next(): void {
    this.clearTimer();
    this.state = 'closed';
    if (this.queue.length > 0) void this.open();
  }

  private broken(err: Error): void {
    const req = this.req;
    this.req = null;
    req?.destroy();
    this.lost(err);
  }

  /** No stream now: the queued lines are dropped (callers send everything again). */
  private lost(err: Error): void {
    this.deps.log.warn({ err: err.message }, 'cannot stream run reports: reports are sent again in full');
    this.clearTimer();
    this.queue = [];
    this.epoch++;
    if (this.state !== 'stopped' && this.state !== 'unavailable') this.state = 'closed';
  }

  private clearTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
