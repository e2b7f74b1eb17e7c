import { PassThrough } from 'node:stream';
import { AppError, BadRequestError } from '../../errors';
import type { Services } from '../../services';
import { isObject } from '../../services/common';
import type { ApiContext } from '../context';
import type { JsonLine } from '../middleware/body';
import type { RouteDef } from './route';

/**
 * POST /run-reports: an agent's run reports as JSON lines on one long request, instead of one
 * PATCH /runs/{id} per report. Each line is `{"run_id": ..., <what a PATCH takes>}` and is handled
 * exactly as that PATCH would be (same validation, scope, progress cache and 409 once the run has
 * ended); 1,000 runs reporting every 2 s then cost the server line parsing, not 500 requests/s.
 *
 * The answer is JSON lines too, written while the request streams: first
 * `{"stream_seconds": N}` (end the request within N s and open another; runs.stream_seconds),
 * then one `{"line", "run_id", "status", "error"}` per refused line, and
 * `{"accepted", "refused"}` once the request has ended. Accepted lines are not echoed.
 */
export const runReportStreamRoute: RouteDef = {
  method: 'POST',
  path: '/run-reports',
  rule: 'runs:update',
  body: 'lines',
  handle: async (ctx, services) => {
    const out = new PassThrough();
    ctx.status = 200;
    ctx.set('Content-Type', 'application/x-ndjson');
    ctx.set('Cache-Control', 'no-store');
    ctx.body = out;
    out.write(`${JSON.stringify({ stream_seconds: ctx.state.stream.seconds })}\n`);
    // The answer streams while the lines arrive: Koa sends it once this handler returns.
    new ReportPump(ctx, services, out).start();
  },
};

/** Lines waiting while one is written; past this the request is paused (backpressure). */
const MAX_WAITING_LINES = 1000;

/**
 * Applies a stream's lines in the order they came. A progress report on a run this process holds
 * is taken synchronously (RunsService.holdProgress), which is nearly every line; any other line
 * is written as its PATCH would be, and the lines behind it wait.
 */
class ReportPump {
  private readonly waiting: JsonLine[] = [];
  private writing = false;
  private ended = false;
  private accepted = 0;
  private refused = 0;

  constructor(
    private readonly ctx: ApiContext,
    private readonly services: Services,
    private readonly out: PassThrough,
  ) {}

  start(): void {
    const { req } = this.ctx;
    const { lines, stream } = this.ctx.state;
    req.on('data', (chunk: Buffer) => {
      stream.touch();
      this.take(lines.push(chunk));
    });
    req.on('end', () => {
      this.ended = true;
      this.take(lines.end());
    });
    // The agent hung up (or the connection broke) mid-request: nobody is left to answer.
    req.on('close', () => {
      stream.done();
      if (!this.ended) this.out.destroy();
    });
  }

  private take(lines: JsonLine[]): void {
    for (const line of lines) this.waiting.push(line);
    if (!this.writing) this.drain();
    else if (this.waiting.length > MAX_WAITING_LINES) this.ctx.req.pause();
  }

  /**
   * Applies the waiting lines in order: synchronously while they are held progress reports or
   * refusals (no promise per line); a line that needs a write is awaited, then the rest follow.
   */
  private drain(): void {
    while (this.waiting.length > 0) {
      const next = this.waiting[0];
      const runId = isObject(next.value) && typeof next.value.run_id === 'string' ? next.value.run_id : null;
      let outcome: AppError | null | undefined;
      try {
        outcome = next.error ?? this.holdLine(next.value, runId);
      } catch (err) {
        this.failed(err);
        return;
      }
      if (outcome === undefined) {
        this.writing = true;
        this.writeLine(next.value as Record<string, unknown>, runId as string).then(
          (failure) => {
            this.waiting.shift();
            this.answer(next.line, runId, failure);
            this.writing = false;
            this.ctx.req.resume();
            this.drain();
          },
          (err: unknown) => this.failed(err),
        );
        return;
      }
      this.waiting.shift();
      this.answer(next.line, runId, outcome);
    }
    if (this.ended) this.out.end(`${JSON.stringify({ accepted: this.accepted, refused: this.refused })}\n`);
  }

  private answer(line: number, runId: string | null, failure: AppError | null): void {
    if (failure === null) {
      this.accepted++;
      return;
    }
    this.refused++;
    this.out.write(`${JSON.stringify({ line, run_id: runId, status: failure.status, error: failure.message || failure.title })}\n`);
  }

  /**
   * Not an AppError: the store failed. It is logged as any unhandled error (Koa's 'error'
   * event), and the stream ends here; its agent sends everything again on the next one.
   */
  private failed(err: unknown): void {
    this.waiting.length = 0;
    this.ctx.app.emit('error', err, this.ctx);
    this.ctx.req.destroy();
  }

  /** A progress report held in memory: null when taken, an AppError when refused, undefined when it must be written. */
  private holdLine(value: unknown, runId: string | null): AppError | null | undefined {
    if (runId === null || !isObject(value)) return new BadRequestError('Each line must be a JSON object with a "run_id" string');
    try {
      return this.services.runs.holdProgress(this.ctx.state.scope, runId, reportOf(value)) ? null : undefined;
    } catch (err) {
      if (err instanceof AppError) return err;
      throw err;
    }
  }

  /** One line as PATCH /runs/{run_id}: null when taken, else why not (an AppError, as the PATCH would answer). */
  private async writeLine(value: Record<string, unknown>, runId: string): Promise<AppError | null> {
    try {
      await this.services.runs.report(this.ctx.state.scope, runId, reportOf(value));
      return null;
    } catch (err) {
      if (err instanceof AppError) return err;
      throw err;
    }
  }
}

/** The line without its run_id: the body of its PATCH. */
function reportOf(value: Record<string, unknown>): Record<string, unknown> {
  const { run_id: _runId, ...report } = value;
  void _runId;
  return report;
}
