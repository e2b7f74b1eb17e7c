import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ENTRY = path.resolve(__dirname, '../../src/bin/permafrost.js');

export interface RunningAgent {
  proc: ChildProcess;
  jobsDir: string;
  logs(): string;
  /** SIGTERM; resolves with the exit code once it exited. */
  stop(): Promise<number | null>;
}

/** Starts `permafrost agent` as a real process with only the given settings (no PERMAFROST_* or OS_* leaks in). */
export function startAgent(env: Record<string, string>, args: string[] = []): RunningAgent {
  const jobsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-agent-'));
  const inherited = Object.entries(process.env).filter(([k]) => !k.startsWith('PERMAFROST_') && !k.startsWith('OS_'));
  const proc = spawn(process.execPath, [ENTRY, 'agent', '--jobs-dir', jobsDir, ...args], {
    env: { ...Object.fromEntries(inherited), PERMAFROST_AGENT_LOG_LEVEL: 'debug', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return {
    proc,
    jobsDir,
    logs: () => output,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      const code = await exited;
      fs.rmSync(jobsDir, { recursive: true, force: true });
      return code;
    },
  };
}

/** Polls `probe` every 100 ms until it returns a truthy value or `ms` pass (then throws with `what`). */
export async function waitFor<T>(what: string, ms: number, probe: () => Promise<T>): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value as NonNullable<T>;
      last = value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what} (last: ${String(last)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
