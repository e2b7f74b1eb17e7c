import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { compatDir } from './shared-dir';

export interface FakeKeystone {
  /** http://127.0.0.1:<port> (the identity API is under /v3). */
  url: string;
  proc: ChildProcess;
  stop(): void;
}

/**
 * Starts shared/compat/lib/fake_keystone.py on port 0 and reads the port it got from its
 * "fake-keystone listening on http://host:port/v3" line, so no other process can take it first.
 */
export function startFakeKeystone(extraArgs: string[] = [], timeoutMs = 30000): Promise<FakeKeystone> {
  const proc = spawn('/usr/bin/python3', [path.join(compatDir(), 'lib/fake_keystone.py'), '--port', '0', ...extraArgs], { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let err = '';
    const fail = (why: string) => {
      clearTimeout(timer);
      proc.kill('SIGKILL');
      reject(new Error(`fake_keystone.py ${why}:\n${err}`));
    };
    const timer = setTimeout(() => fail(`did not say where it listens within ${timeoutMs} ms`), timeoutMs);
    proc.once('exit', (code, signal) => fail(`exited (${code ?? signal})`));
    proc.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on (http:\/\/[^/\s]+)\/v3/.exec(err);
      if (!m) return;
      clearTimeout(timer);
      proc.removeAllListeners('exit');
      proc.stderr?.resume();
      resolve({ url: m[1], proc, stop: () => proc.kill() });
    });
  });
}
