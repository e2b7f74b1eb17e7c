import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { childEnv } from '../../config/child-env';
import { EngineError } from '../engine-error';
import type { Command } from './compressors';
import { KILL_GRACE_MS } from './kill-grace';
import { onAbort } from './on-abort';
import { signalGroup } from './signal-group';

export interface ChildEnd {
  name: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last stderr lines, for the error message. */
  stderr: string[];
}

const STDERR_LINES_KEPT = 20;

/**
 * A tool of the engine's pipeline (tar, a compressor). Its stderr is read line by line: each line
 * goes to `onStderr` (progress, logging) and the last few are kept for the error message. It is
 * spawned detached, so it leads its own process group and kill() reaches whatever it started too.
 */
export class Child {
  readonly proc: ChildProcess;
  readonly done: Promise<ChildEnd>;

  readonly name: string;

  constructor(command: Command, opts: { cwd?: string; stdio: StdioOptions; onStderr?: (line: string) => void }) {
    const name = path.basename(command.program);
    this.name = name;
    this.proc = spawn(command.program, command.args, { cwd: opts.cwd, stdio: opts.stdio, env: childEnv({ LC_ALL: 'C' }), detached: true });
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

  /** SIGTERM to its process group, then SIGKILL if the tool is still there after KILL_GRACE_MS. */
  kill(): void {
    const pid = this.proc.pid;
    if (pid === undefined || this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    signalGroup(pid, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), KILL_GRACE_MS);
    timer.unref();
    // The tool's own exit is not enough: what it started may still be in its group.
    void this.done.then(() => {
      if (!signalGroup(pid, 0)) clearTimeout(timer);
    });
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
 * broken flow kills them all (SIGTERM, SIGKILL after KILL_GRACE_MS) and waits for them to exit;
 * the error is then `aborted` or the first cause (firstCause).
 */
export async function settle(children: Child[], signal: AbortSignal, flow: () => Promise<unknown>): Promise<ChildEnd[]> {
  const killAll = () => children.forEach((c) => c.kill());
  // Listens until every tool has exited: an abort after the data has flowed still stops them.
  const stopListening = onAbort(signal, killAll);
  try {
    try {
      await flow();
    } catch (err) {
      killAll();
      // Never return while a tool may still write: the caller removes what it was writing to.
      const ends = await Promise.all(children.map((c) => c.done));
      throw signal.aborted ? new EngineError('aborted') : firstCause(err, ends);
    }
    const ends = await Promise.all(children.map((c) => c.done));
    if (signal.aborted) throw new EngineError('aborted');
    return ends;
  } finally {
    stopListening();
  }
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
