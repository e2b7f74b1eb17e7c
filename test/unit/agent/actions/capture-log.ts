import { readFileSync } from 'node:fs';
import pino from 'pino';
import type { ActionContext } from '../../../../src/agent/action-types';

/** One parsed pino line. */
export interface LogLine {
  level: number;
  msg: string;
  jobId?: string;
  stream?: string;
  stage?: number;
  [key: string]: unknown;
}

/**
 * An action context whose log is a real pino logger writing into `lines`, bound to the job as
 * AgentJob binds it. `raw` keeps each line as written (JSON.parse would hide a repeated key).
 */
export function captureContext(signal: AbortSignal = new AbortController().signal): ActionContext & { lines: LogLine[]; raw: string[] } {
  const lines: LogLine[] = [];
  const raw: string[] = [];
  const write = (line: string) => {
    raw.push(line);
    lines.push(JSON.parse(line) as LogLine);
  };
  const log = pino({ level: 'debug' }, { write }).child({ jobId: 'job-1' });
  return { jobId: 'job-1', signal, log, lines, raw };
}

/** The messages logged for one output stream, in order. */
export function outputOf(lines: LogLine[], stream: 'stdout' | 'stderr'): string[] {
  return lines.filter((l) => l.stream === stream && l.msg !== 'output truncated').map((l) => l.msg);
}

/**
 * Whether `pid` is gone. A killed process whose parent already exited stays a zombie until init
 * reaps it, and some sandbox inits reap slowly; a zombie runs nothing, so it counts as gone.
 */
export function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').startsWith('Z');
  } catch {
    return true;
  }
}

/** Waits until `pid` is gone; false if it is still there after `ms`. */
export async function goneWithin(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (!isGone(pid)) {
    if (Date.now() > until) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}
