/**
 * The longest event-loop stall of the API while hostile and maximal-allowed documents are posted
 * (issue 11, item 9): a probe sends GET /healthcheck every 5 ms on its own keep-alive connection
 * and records the slowest answer while each document is posted, next to that request's own time
 * and status. Figures are printed; nothing is asserted.
 *
 *   node dist/bench/event-loop-stall.js                 starts dist/src/bin/permafrost.js (noauth)
 *   node dist/bench/event-loop-stall.js --entry FILE    starts another build (e.g. the code before)
 *   node dist/bench/event-loop-stall.js --url URL       a running server in noauth mode
 *
 * The maximal-allowed documents are built from the limits of this build's defaults (limits.*,
 * body_limit), so the same documents can be posted to an older build for comparison.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config/config';

interface Scenario {
  name: string;
  method: string;
  path: string;
  body: () => string;
  /** Requests sent before the measured one (e.g. to grow a stored document). */
  setup?: (base: string) => Promise<void>;
}

const HEADERS = { 'X-User-Id': 'bench', 'X-Project-Id': 'pbench', 'Content-Type': 'application/json' };
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function send(url: string, method: string, body?: string | Buffer, keepAlive = false): Promise<{ status: number; text: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    let answered: { status: number; text: string; ms: number } | null = null;
    const req = http.request(url, { method, headers: { ...HEADERS, ...(body !== undefined ? { 'Content-Length': Buffer.byteLength(body) } : {}) }, agent: keepAlive ? agent : false }, (res) => {
      const chunks: Buffer[] = [];
      answered = { status: res.statusCode ?? 0, text: '', ms: performance.now() - started };
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started }));
      res.on('error', () => resolve(answered as { status: number; text: string; ms: number }));
    });
    req.setTimeout(120_000, () => req.destroy(new Error(`timeout ${method} ${url}`)));
    // A 413 answered from Content-Length closes the connection while the body is still being sent.
    req.on('error', (err) => (answered ? resolve(answered) : reject(err)));
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** Probes /healthcheck until stopped; resolves to the slowest answer in ms. */
function probe(root: string): { stop: () => Promise<number> } {
  let running = true;
  let worst = 0;
  const loop = (async () => {
    while (running) {
      const { ms } = await send(`${root}/healthcheck`, 'GET', undefined, true);
      worst = Math.max(worst, ms);
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return worst;
    },
  };
}

function keysObject(n: number, prefix = 'k'): Record<string, number> {
  const o: Record<string, number> = {};
  for (let i = 0; i < n; i++) o[`${prefix}${i}`] = i;
  return o;
}

function nested(depth: number, leaf: unknown): unknown {
  let v = leaf;
  for (let i = depth - 1; i > 0; i--) v = { [`l${i}`]: v };
  return v;
}

function scenarios(): Scenario[] {
  const c = loadConfig({}, {});
  const L = c.limits;
  const B = c.body_limit;
  const backup = (extra: Record<string, unknown>) => JSON.stringify({ container: 'c', hostname: 'h', backup_name: 'b', ...extra });
  // Strings of the longest allowed length filling the body limit, under `depth` levels of nesting
  // (each level's search term hashes everything below it).
  const deepWithStrings = (depth: number, budget: number) => {
    const count = Math.max(1, Math.floor(budget / (L.max_string_length + 16)));
    const leaf = Object.fromEntries(Array.from({ length: count }, (_, i) => [`s${i}`, 'x'.repeat(L.max_string_length - 8)]));
    return backup({ d: nested(depth - 1, leaf) });
  };
  const keysWithin = Math.min(L.max_keys - 8, Math.floor((B - 200) / 16));
  return [
    { name: 'hostile: 3.5 MB backup, 200,000 keys (the report)', method: 'POST', path: '/backups', body: () => backup({ m: keysObject(200_000, 'key_number_') }) },
    { name: 'hostile: 64 levels deep over a 400 KB string', method: 'POST', path: '/backups', body: () => backup({ d: nested(63, 'x'.repeat(400_000)) }) },
    { name: 'hostile: 24 MB of small objects', method: 'POST', path: '/backups', body: () => backup({ a: Array.from({ length: 300_000 }, (_, i) => ({ n: i, s: 'x'.repeat(60) })) }) },
    { name: 'hostile: a 20 MB string', method: 'POST', path: '/backups', body: () => backup({ s: 'x'.repeat(20_000_000) }) },
    { name: 'hostile: 200,000 keys in a search body', method: 'GET', path: '/backups', body: () => JSON.stringify({ match: [keysObject(200_000)] }) },
    { name: `allowed: ${keysWithin} distinct keys`, method: 'POST', path: '/backups', body: () => backup({ m: keysObject(keysWithin) }) },
    { name: `allowed: ${L.max_depth} levels deep, longest strings`, method: 'POST', path: '/backups', body: () => deepWithStrings(L.max_depth - 1, B - 4096) },
    {
      name: `allowed: ${L.max_array_items}-item array of strings`,
      method: 'POST',
      path: '/backups',
      body: () => backup({ a: Array.from({ length: L.max_array_items }, (_, i) => `${i}`.padEnd(Math.max(1, Math.floor(B / L.max_array_items) - 8), 'x')) }),
    },
    {
      name: `allowed: ${keysWithin - 10}-item array of one-key objects`,
      method: 'POST',
      path: '/backups',
      body: () => backup({ a: Array.from({ length: Math.min(L.max_array_items, keysWithin - 10) }, (_, i) => ({ n: i })) }),
    },
    { name: 'allowed: body_limit-sized string values', method: 'POST', path: '/backups', body: () => backup(Object.fromEntries(Array.from({ length: Math.max(1, Math.floor((B - 1024) / L.max_string_length)) }, (_, i) => [`s${i}`, 'x'.repeat(L.max_string_length - 16)]))) },
    {
      name: 'allowed: a session grown by PATCHes to the stored limit, then one more PATCH',
      method: 'PATCH',
      path: '/sessions/grown',
      setup: async (base) => {
        await send(`${base}/sessions/grown`, 'POST', JSON.stringify({ schedule: {}, session_tag: 0 }));
        const per = Math.min(keysWithin, 2000);
        for (let i = 0; ; i++) {
          const res = await send(`${base}/sessions/grown`, 'PATCH', JSON.stringify({ jobs: keysObject(per, `j${i}_`) }));
          if (res.status !== 200 || i >= 40) break;
        }
      },
      body: () => JSON.stringify({ description: 'one more' }),
    },
    {
      name: 'allowed: a session grown by PATCHes to 1.5 x body_limit of deep long strings, then one more PATCH',
      method: 'PATCH',
      path: '/sessions/deep',
      setup: async (base) => {
        await send(`${base}/sessions/deep`, 'POST', JSON.stringify({ schedule: {}, session_tag: 0 }));
        for (let i = 0; i < 4; i++) {
          const entry = JSON.parse(deepWithStrings(L.max_depth - 3, B - 4096)) as { d: unknown };
          const res = await send(`${base}/sessions/deep`, 'PATCH', JSON.stringify({ jobs: { [`job${i}`]: entry.d } }));
          if (res.status !== 200) break;
        }
      },
      body: () => JSON.stringify({ description: 'one more' }),
    },
  ];
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function startServer(entry: string): Promise<{ url: string; proc: ChildProcess; dir: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-stall-'));
  const port = await freePort();
  const env = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PERMAFROST_'))), PERMAFROST_AUTH: 'noauth', PERMAFROST_LOG_LEVEL: 'error' };
  const proc = spawn(process.execPath, [entry, 'serve', '--bind', `127.0.0.1:${port}`, '--data-dir', dir], { env, stdio: 'inherit' });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if ((await send(`${url}/healthcheck`, 'GET').catch(() => null))?.status === 200) return { url, proc, dir };
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the server at ${entry} did not start`);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const urlArg = args.indexOf('--url');
  const entryArg = args.indexOf('--entry');
  const entry = entryArg >= 0 ? path.resolve(args[entryArg + 1]) : path.resolve(__dirname, '../src/bin/permafrost.js');
  const server = urlArg >= 0 ? null : await startServer(entry);
  const root = urlArg >= 0 ? args[urlArg + 1] : (server as { url: string }).url;
  const base = `${root}/v2/pbench`;
  try {
    const idle = probe(root);
    await new Promise((r) => setTimeout(r, 1000));
    console.log(`idle: longest /healthcheck answer ${(await idle.stop()).toFixed(1)} ms (${urlArg >= 0 ? root : entry})`);
    console.log('scenario | body | status | request ms | longest /healthcheck ms');
    for (const s of scenarios()) {
      await s.setup?.(base);
      // Encoded before the probe starts: the probe runs in this process, so encoding megabytes
      // while it runs would count this process's own pause as the server's.
      const body = Buffer.from(s.body(), 'utf8');
      await new Promise((r) => setTimeout(r, 200));
      const p = probe(root);
      await new Promise((r) => setTimeout(r, 50));
      const res = await send(`${base}${s.path}`, s.method, body).catch((err: Error) => ({ status: 0, text: err.message, ms: NaN }));
      await new Promise((r) => setTimeout(r, 50));
      const worst = await p.stop();
      const mb = (body.length / 1048576).toFixed(2);
      const why = res.status >= 400 ? ` ${res.text.slice(0, 110)}` : '';
      // 0: the server answered 413 from Content-Length and closed the connection mid-upload.
      const status = res.status === 0 ? 'closed' : String(res.status);
      console.log(`${s.name} | ${mb} MiB | ${status} | ${Number.isNaN(res.ms) ? '-' : res.ms.toFixed(0)} | ${worst.toFixed(0)}${why}`);
    }
  } finally {
    agent.destroy();
    if (server) {
      server.proc.kill('SIGTERM');
      await new Promise((r) => server.proc.once('exit', r));
      fs.rmSync(server.dir, { recursive: true, force: true });
    }
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
