import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface RunningServer {
  url: string;
  port: number;
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

/** Starts `permafrost serve` as a real process on a free port and waits until /healthcheck says OK. */
export async function startServer(opts: ServerOptions = {}): Promise<RunningServer> {
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-it-'));
  const port = await freePort();
  // The server sees only the settings the test gives it, not the developer's PERMAFROST_*.
  const inherited = Object.entries(process.env).filter(([k]) => !k.startsWith('PERMAFROST_'));
  // API-semantics tests run noauth (identity from headers); auth tests pass PERMAFROST_AUTH themselves.
  const env: NodeJS.ProcessEnv = { ...Object.fromEntries(inherited), PERMAFROST_LOG_LEVEL: 'warn', PERMAFROST_AUTH: 'noauth', ...engineEnv(), ...opts.env };
  const args = [ENTRY, 'serve', '--bind', `127.0.0.1:${port}`, '--data-dir', dataDir, ...(opts.args ?? [])];
  const proc = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(url, proc, () => output);
  return {
    url,
    port,
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

/**
 * One server for the enclosing describe(): started in before(), stopped in after(). Returns an
 * accessor, since the server only exists once the hook has run.
 */
export function useServer(opts: ServerOptions = {}): () => RunningServer {
  let server: RunningServer | null = null;
  before(async () => {
    server = await startServer(opts);
  });
  after(async () => {
    await server?.stop();
  });
  return () => {
    if (!server) throw new Error('the server of this suite is not running');
    return server;
  };
}
