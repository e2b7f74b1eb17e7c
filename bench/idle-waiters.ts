/**
 * What idle waiters of the wait-for-change channel cost the API (issue 12, contract 4):
 * `permafrost serve` (one process, noauth, SQLite) with one job for each of N clients, then N
 * long polls (GET /clients/{client_id}/changes?wait=55, one per client, one connection each)
 * held while nothing changes. Prints the server's resident memory before and while they are
 * held, its CPU over a window of idle holding (a share of one core), and how long one job write
 * takes to answer its client's waiter while the others stay held.
 *
 *   node dist/bench/idle-waiters.js [waiters=1000] [window_s=20]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const ENTRY = path.resolve(__dirname, '../src/bin/permafrost.js');
/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const TICK = 100;
const HEADERS = { 'Content-Type': 'application/json', 'X-User-Id': 'bench', 'X-Project-Id': 'bench' };

async function main(): Promise<void> {
  const [count, windowS] = [1000, 20].map((d, i) => Number(process.argv[2 + i] ?? d));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-waiters-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PERMAFROST_') && !k.startsWith('OS_')));
  const server = spawn(process.execPath, [ENTRY, 'serve', '--auth', 'noauth', '--bind', `127.0.0.1:${port}`, '--data-dir', tmp], {
    env: { ...cleanEnv, PERMAFROST_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const pid = server.pid as number;
  const held: http.ClientRequest[] = [];
  try {
    await waitHealthy(url);
    for (let i = 0; i < count; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, count - i) }, (_, j) =>
          call('POST', `${url}/v2/bench/jobs`, { client_id: `host${i + j}`, job_schedule: {}, job_actions: [{ freezer_action: { action: 'exec', command: '/bin/true' } }] }),
        ),
      );
    }
    // Every client's cursor, which also warms the code paths the waiters take.
    const cursors: string[] = [];
    for (let i = 0; i < count; i += 50) {
      const batch = await Promise.all(Array.from({ length: Math.min(50, count - i) }, (_, j) => call('GET', `${url}/v2/bench/clients/host${i + j}/changes`)));
      cursors.push(...batch.map((b) => (JSON.parse(b) as { cursor: string }).cursor));
    }
    await new Promise((r) => setTimeout(r, 2000));
    const rssBefore = rssMb(pid);
    // The same window with nothing held: what the idle server costs by itself.
    const idle0 = cpuSeconds(pid);
    await new Promise((r) => setTimeout(r, windowS * 1000));
    const idleCpu = cpuSeconds(pid) - idle0;
    const answered: Array<number | null> = Array.from({ length: count }, () => null);
    for (let i = 0; i < count; i++) {
      const req = http.request(`${url}/v2/bench/clients/host${i}/changes?since=${encodeURIComponent(cursors[i])}&wait=55`, { headers: HEADERS, agent: false }, (res) => {
        res.resume();
        res.on('end', () => (answered[i] = Date.now()));
      });
      req.on('error', () => undefined);
      req.end();
      held.push(req);
    }
    await new Promise((r) => setTimeout(r, 3000));
    const early = answered.filter((a) => a !== null).length;
    const rssHeld = rssMb(pid);
    const cpu0 = cpuSeconds(pid);
    await new Promise((r) => setTimeout(r, windowS * 1000));
    const cpu1 = cpuSeconds(pid);
    const rssAfter = rssMb(pid);
    const target = Math.floor(count / 2);
    const wrote = Date.now();
    await call('POST', `${url}/v2/bench/jobs`, { client_id: `host${target}`, job_schedule: {}, job_actions: [{ freezer_action: { action: 'exec', command: '/bin/true' } }] });
    const deadline = Date.now() + 10000;
    while (answered[target] === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    const others = answered.filter((a, i) => a !== null && i !== target).length;
    console.log(`idle-waiters: ${count} waiters held (answered early: ${early}), window ${windowS} s`);
    console.log(`  server RSS before ${rssBefore.toFixed(1)} MiB, with the waiters held ${rssHeld.toFixed(1)} MiB, after the window ${rssAfter.toFixed(1)} MiB`);
    console.log(`  => ${(((rssHeld - rssBefore) * 1024) / count).toFixed(1)} KiB per held waiter (connection, request, listener, timer)`);
    console.log(`  server CPU while holding: ${(((cpu1 - cpu0) / windowS) * 100).toFixed(2)} % of one core (idle, nothing held: ${((idleCpu / windowS) * 100).toFixed(2)} %)`);
    console.log(`  one job write answered its client's waiter in ${answered[target] === null ? 'NEVER (10 s)' : `${answered[target] - wrote} ms`}; other waiters woken: ${others}`);
  } finally {
    for (const req of held) req.destroy();
    server.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function call(method: string, url: string, body?: unknown): Promise<string> {
  return new Promise((resolve, reject) => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(url, { method, headers: { ...HEADERS, ...(text ? { 'Content-Length': Buffer.byteLength(text) } : {}) }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    });
    req.on('error', reject);
    req.end(text);
  });
}

/** Resident set size of a process, in MiB (Linux /proc). */
function rssMb(pid: number): number {
  const line = fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:')) ?? 'VmRSS: 0 kB';
  return Number(line.split(/\s+/)[1]) / 1024;
}

/** utime + stime of a process, in seconds (Linux /proc). */
function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICK;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function waitHealthy(url: string): Promise<void> {
  const deadline = Date.now() + 15000;
  while ((await fetch(`${url}/healthcheck`).catch(() => null))?.status !== 200) {
    if (Date.now() > deadline) throw new Error('the server did not become healthy');
    await new Promise((r) => setTimeout(r, 200));
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
