import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface RunningServer {
  url: string;
  port: number;
  /** The port of metrics_bind, when the server was given one (bind it to port 0: the server reports the port). */
  metricsPort: number | null;
  dataDir: string;
  proc: ChildProcess;
  logs(): string;
  /** SIGTERM, wait for exit, remove the data dir. */
  stop(): Promise<void>;
  /** SIGKILL (no shutdown code runs); the data dir is kept for a restart. */
  kill9(): Promise<void>;
}

export interface ServerOptions {
  env?: Record<string, string>;
  args?: string[];
  /** Reuse a data dir (after kill9) instead of a fresh one. */
  dataDir?: string;
}

const ENTRY = path.resolve(__dirname, '../../src/bin/permafrost.js');

/**
 * PERMAFROST_TEST_ENGINE=mongodb with FREEZER_TEST_MONGODB_URL runs the integration tests'
 * servers on MongoDB (a fresh database each) instead of the embedded SQLite.
 */
function engineEnv(): Record<string, string> {
  const url = process.env.FREEZER_TEST_MONGODB_URL;
  if (process.env.PERMAFROST_TEST_ENGINE !== 'mongodb' || !url) return {};
  return { PERMAFROST_DATABASE: `${url.replace(/\/+$/, '')}/permafrost_it_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}` };
}

/**
 * A port nothing listens on at this moment: for tests of a refused connection. Do not hand it to
 * a child to bind (another process may take it between this close and that bind): have the child
 * bind port 0 and report the port it got (waitListening).
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Starts `permafrost serve` as a real process on port 0 (the system picks a free port, so no other
 * process can take it first), reads the port from its 'listening' line and waits until
 * /healthcheck says OK.
 */
export async function startServer(opts: ServerOptions = {}): Promise<RunningServer> {
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-it-'));
  // The server sees only the settings the test gives it, not the developer's PERMAFROST_*.
  const inherited = Object.entries(process.env).filter(([k]) => !k.startsWith('PERMAFROST_'));
  // API-semantics tests run noauth (identity from headers); auth tests pass PERMAFROST_AUTH themselves.
  // Info level: the 'listening' line names the port (without the access log, info adds a few lines).
  const env: NodeJS.ProcessEnv = { ...Object.fromEntries(inherited), PERMAFROST_LOG_LEVEL: 'info', PERMAFROST_AUTH: 'noauth', ...engineEnv(), ...opts.env };
  const args = [ENTRY, 'serve', '--bind', '127.0.0.1:0', '--data-dir', dataDir, ...(opts.args ?? [])];
  const proc = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const bound = await waitListening(proc, () => output).catch((err: Error) => {
    proc.kill('SIGKILL');
    throw err;
  });
  const url = `http://127.0.0.1:${bound.port}`;
  await waitHealthy(url, proc, () => output);
  return {
    url,
    port: bound.port,
    metricsPort: bound.metricsPort,
    dataDir,
    proc,
    logs: () => output,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
    async kill9() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
    },
  };
}

/** The ports a server bound, from the first 'listening' line it logs (at info level or below). */
export interface Bound {
  port: number;
  metricsPort: number | null;
}

/**
 * Waits for the 'listening' line on the child's stdout and returns the ports it names; fails
 * when the child exits first or within `timeoutMs` (generous: the machine may be loaded).
 */
export function waitListening(proc: ChildProcess, output: () => string, timeoutMs = 30000): Promise<Bound> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const done = (fn: () => void) => {
      clearTimeout(timer);
      proc.stdout?.off('data', onData);
      proc.off('exit', onExit);
      fn();
    };
    const onData = (d: Buffer) => {
      seen += d.toString();
      const bound = parseListening(seen);
      if (bound) done(() => resolve(bound));
    };
    const onExit = (code: number | null, signal: string | null) =>
      done(() => reject(new Error(`permafrost exited before listening (${code ?? signal}):\n${output()}`)));
    const timer = setTimeout(() => done(() => reject(new Error(`permafrost logged no 'listening' line within ${timeoutMs} ms:\n${output()}`))), timeoutMs);
    proc.stdout?.on('data', onData);
    proc.once('exit', onExit);
  });
}

function parseListening(text: string): Bound | null {
  // Whole lines only: the last one may still be arriving.
  for (const line of text.split('\n').slice(0, -1)) {
    if (!line.includes('"msg":"listening"')) continue;
    const entry = JSON.parse(line) as { bind: string; metrics_bind?: string };
    const port = (bind: string) => Number(bind.slice(bind.lastIndexOf(':') + 1));
    return { port: port(entry.bind), metricsPort: entry.metrics_bind ? port(entry.metrics_bind) : null };
  }
  return null;
}

async function waitHealthy(url: string, proc: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 15000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(`permafrost exited early (${proc.exitCode ?? proc.signalCode}):\n${output()}`);
    }
    try {
      const res = await fetch(`${url}/healthcheck`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  proc.kill('SIGKILL');
  throw new Error(`permafrost did not become healthy within 15 s:\n${output()}`);
}

/** Lines of a server's log printed under a failed test. */
const LOG_TAIL_LINES = 80;

/**
 * One server for the enclosing describe(): started in before(), stopped in after(). Returns an
 * accessor, since the server only exists once the hook has run. When a test fails, the end of the
 * server's log is printed under it: a failure in CI is then diagnosable from the CI output alone
 * (background errors, such as a freshness write that failed, only show there).
 */
export function useServer(opts: ServerOptions = {}): () => RunningServer {
  let server: RunningServer | null = null;
  before(async () => {
    server = await startServer(opts);
  });
  afterEach(function () {
    if (this.currentTest?.state !== 'failed' || !server) return;
    const tail = server.logs().trimEnd().split('\n').slice(-LOG_TAIL_LINES).join('\n');
    process.stderr.write(`\n--- last ${LOG_TAIL_LINES} lines of the server log (${this.currentTest.title}):\n${tail}\n---\n`);
  });
  after(async () => {
    await server?.stop();
  });
  return () => {
    if (!server) throw new Error('the server of this suite is not running');
    return server;
  };
}
