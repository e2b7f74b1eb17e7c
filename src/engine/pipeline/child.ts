import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { childEnv } from '../../config/child-env';
import { EngineError } from '../engine-error';
import type { Command } from './compressors';
import { onAbort } from './on-abort';

export interface ChildEnd {
  name: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last stderr lines, for the error message. */
  stderr: string[];
}

const STDERR_LINES_KEPT = 20;
const KILL_GRACE_MS = 2000;

/**
 * A tool of the engine's pipeline (tar, a compressor). Its stderr is read line by line: each line
 * goes to `onStderr` (progress, logging) and the last few are kept for the error message.
 */
export class Child {
  readonly proc: ChildProcess;
  readonly done: Promise<ChildEnd>;

  readonly name: string;

  constructor(command: Command, opts: { cwd?: string; stdio: StdioOptions; onStderr?: (line: string) => void }) {
    const name = path.basename(command.program);
    this.name = name;
    this.proc = spawn(command.program, command.args, { cwd: opts.cwd, stdio: opts.stdio, env: childEnv({ LC_ALL: 'C' }) });
    const stderr: string[] = [];
    if (this.proc.stderr) {
      readline.createInterface({ input: this.proc.stderr, crlfDelay: Infinity }).on('line', (line) => {
        stderr.push(line);
        if (stderr.length > STDERR_LINES_KEPT) stderr.shift();
        opts.onStderr?.(line);
      });
    }
    this.done = new Promise((resolve) => {
      this.proc.once('error', (err) => resolve({ name, code: null, signal: null, stderr: [...stderr, err.message] }));
      this.proc.once('close', (code, signal) => resolve({ name, code, signal, stderr }));
    });
  }

  /** SIGTERM, then SIGKILL if it is still there after a grace period. */
  kill(): void {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), KILL_GRACE_MS);
    timer.unref();
    void this.done.then(() => clearTimeout(timer));
  }
}

/** `tar: ...` reasons of a failed tool, for one readable error line. */
export function describeEnd(end: ChildEnd): string {
  const how = end.signal ? `was killed by ${end.signal}` : end.code === null ? 'could not start' : `exited with status ${end.code}`;
  const reason = end.stderr.filter((l) => l.trim()).slice(-3).join(' | ');
  return `${end.name} ${how}${reason ? `: ${reason}` : ''}`;
}

/**
 * Waits for `flow` (the streams between the tools) and then for every tool to exit. An abort or a
 * broken flow kills them all; the error is then `aborted` or the first cause (firstCause).
 */
export async function settle(children: Child[], signal: AbortSignal, flow: () => Promise<unknown>): Promise<ChildEnd[]> {
  const killAll = () => children.forEach((c) => c.kill());
  const stopListening = onAbort(signal, killAll);
  try {
    await flow();
  } catch (err) {
    killAll();
    throw signal.aborted ? new EngineError('aborted') : firstCause(err, await Promise.all(children.map((c) => c.done)));
  } finally {
    stopListening();
  }
  const ends = await Promise.all(children.map((c) => c.done));
  if (signal.aborted) throw new EngineError('aborted');
  return ends;
}

/**
 * The error to report when a pipeline broke: our own EngineError (guard, decryption) first, else
 * a tool that failed by itself (not killed by us), whose stderr says why; EPIPE and friends are
 * only the consequence.
 */
export function firstCause(err: unknown, ends: ChildEnd[]): Error {
  if (err instanceof EngineError) return err;
  const failed = ends.find((e) => e.signal === null && e.code !== 0 && e.code !== null);
  if (failed) return new EngineError(describeEnd(failed));
  return err instanceof Error ? err : new Error(String(err));
}
