import type { Readable } from 'node:stream';
import type { Logger } from 'pino';

export type OutputStream = 'stdout' | 'stderr';

export interface OutputLimits {
  /** Lines logged per stream name (all stages together) per run. */
  maxLines: number;
  /** Bytes of line text logged per stream name per run. */
  maxBytes: number;
}

export const DEFAULT_OUTPUT_LIMITS: OutputLimits = { maxLines: 1000, maxBytes: 64 * 1024 };

interface Budget {
  lines: number;
  bytes: number;
  truncated: boolean;
}

const NEWLINE = 0x0a;
const CR = 0x0d;

/**
 * Copies a command's output to the job log line by line, within a budget per stream name, so a
 * chatty command cannot flood memory or the logs. Past the budget it logs one `output truncated`
 * line and keeps reading without logging: a child blocked on a full pipe would never finish.
 */
export class OutputLog {
  private readonly budgets = new Map<OutputStream, Budget>();

  constructor(
    /** The job's logger (it names the job). */
    private readonly log: Logger,
    private readonly limits: OutputLimits = DEFAULT_OUTPUT_LIMITS,
    /** Also hands every logged line to the run's report (its log tail). */
    private readonly tap?: (stream: OutputStream, line: string) => void,
  ) {}

  /** Logs every line `source` produces; the last line need not end with a newline. */
  attach(source: Readable, stream: OutputStream, stage: number): void {
    let pending: Buffer = Buffer.alloc(0);
    source.on('data', (chunk: Buffer) => {
      pending = this.take(pending.length === 0 ? chunk : Buffer.concat([pending, chunk]), stream, stage);
    });
    const flush = () => {
      if (pending.length > 0) this.line(pending, stream, stage);
      pending = Buffer.alloc(0);
    };
    source.once('end', flush);
    // A stream destroyed after the drain period never emits 'end'.
    source.once('close', flush);
  }

  /** Logs the complete lines of `data` and returns the unfinished rest. */
  private take(data: Buffer, stream: OutputStream, stage: number): Buffer {
    const budget = this.budget(stream);
    let start = 0;
    for (let end = data.indexOf(NEWLINE); end >= 0 && !budget.truncated; end = data.indexOf(NEWLINE, start)) {
      this.line(data.subarray(start, end), stream, stage);
      start = end + 1;
    }
    if (budget.truncated) return Buffer.alloc(0);
    const rest = data.subarray(start);
    // A newline-less stream must not grow the buffer without bound: log what fits now.
    if (rest.length > this.limits.maxBytes - budget.bytes) {
      this.line(rest, stream, stage);
      return Buffer.alloc(0);
    }
    return rest;
  }

  private line(bytes: Buffer, stream: OutputStream, stage: number): void {
    const budget = this.budget(stream);
    if (budget.truncated) return;
    const room = this.limits.maxBytes - budget.bytes;
    if (budget.lines >= this.limits.maxLines || room <= 0) return this.truncate(budget, stream, stage);
    const text = bytes.length > 0 && bytes[bytes.length - 1] === CR ? bytes.subarray(0, -1) : bytes;
    const kept = text.subarray(0, room);
    budget.lines += 1;
    budget.bytes += kept.length;
    const line = kept.toString('utf8');
    this.log.info({ stream, stage }, line);
    this.tap?.(stream, line);
    if (kept.length < text.length) this.truncate(budget, stream, stage);
  }

  private truncate(budget: Budget, stream: OutputStream, stage: number): void {
    budget.truncated = true;
    const { maxLines, maxBytes } = this.limits;
    this.log.warn({ stream, stage, maxLines, maxBytes }, 'output truncated');
  }

  private budget(stream: OutputStream): Budget {
    let budget = this.budgets.get(stream);
    if (!budget) {
      budget = { lines: 0, bytes: 0, truncated: false };
      this.budgets.set(stream, budget);
    }
    return budget;
  }
}
