import type { ChildProcess } from 'node:child_process';

/**
 * Resolves when the process writes a line matching `pattern` on stdout, or exits (whichever
 * comes first: a process that dies instead of logging is for the caller's assertions to report).
 */
export function logLineOrExit(proc: ChildProcess, pattern: RegExp): Promise<void> {
  return new Promise((resolve) => {
    let seen = '';
    const onData = (d: Buffer) => {
      seen += d.toString();
      if (pattern.test(seen)) done();
    };
    const done = () => {
      proc.stdout?.off('data', onData);
      proc.off('exit', done);
      resolve();
    };
    proc.stdout?.on('data', onData);
    proc.once('exit', done);
  });
}

/** The exit code and signal of the process, once it has exited. */
export function exitOf(proc: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve({ code: proc.exitCode, signal: proc.signalCode });
  return new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
}
