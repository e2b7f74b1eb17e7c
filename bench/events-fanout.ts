/**
 * Event fan-out (issue 12, item 5): a Permafrost server (noauth, `--workers 2`) with `streams`
 * open SSE streams on one project, while `events` run events are emitted by opening runs over
 * the API (each request answered by either worker). Prints the time from the emitting request's
 * answer to each stream's receipt (p50/p99/max), whether every stream got every event in order,
 * and the server's CPU (all processes, share of one core) while idle with the streams open.
 *
 *   node dist/bench/events-fanout.js [streams=200] [events=200] [idle_s=10]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const ENTRY = path.resolve(__dirname, '../src/bin/permafrost.js');
const TICK = 100;
const H = { 'X-User-Id': 'bench', 'X-Project-Id': 'pb', 'Content-Type': 'application/json' };

async function main(): Promise<void> {
  const [streams, events, idleS] = [200, 200, 10].map((d, i) => Number(process.argv[2 + i] ?? d));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-events-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PERMAFROST_')));
  const server = spawn(process.execPath, [ENTRY, 'serve', '--auth', 'noauth', '--workers', '2', '--bind', `127.0.0.1:${port}`, '--data-dir', tmp], {
    env: { ...env, PERMAFROST_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  try {
    await waitHealthy(url);
    const received: Array<Map<string, number>> = [];
    const orders: number[][] = [];
    const reqs: http.ClientRequest[] = [];
    await Promise.all(
      Array.from({ length: streams }, (_, i) => {
        received.push(new Map());
        orders.push([]);
        return new Promise<void>((resolve) => {
          const req = http.get(`${url}/v2/pb/events`, { headers: { ...H, Accept: 'text/event-stream' }, agent: false }, (res) => {
            let buf = '';
            res.setEncoding('utf8');
            res.on('data', (c: string) => {
              buf += c;
              let cut: number;
              while ((cut = buf.indexOf('\n\n')) >= 0) {
                const frame = buf.slice(0, cut);
                buf = buf.slice(cut + 2);
                const data = /^data: (.*)$/m.exec(frame);
                if (!data) continue;
                const e = JSON.parse(data[1]) as { id: number; data: { run_id: string } };
                received[i].set(e.data.run_id, performance.now());
                orders[i].push(e.id);
              }
            });
            resolve();
          });
          reqs.push(req);
        });
      }),
    );
    const idle = await cpuOver(server.pid as number, idleS * 1000);
    const job = await call(url, 'POST', '/v2/pb/jobs', { client_id: 'hostB', job_schedule: {}, job_actions: [{ freezer_action: { action: 'backup', backup_name: 'b', path_to_backup: '/srv' } }] });
    const jobId = (JSON.parse(job) as { job_id: string }).job_id;
    const answered = new Map<string, number>();
    for (let i = 0; i < events; i++) {
      const res = await call(url, 'POST', '/v2/pb/runs', { job_id: jobId, trigger: 'schedule', status: 'running', agent: { host: 'hostB', pid: i, version: 'bench' } });
      answered.set((JSON.parse(res) as { run_id: string }).run_id, performance.now());
      await new Promise((r) => setTimeout(r, 5));
    }
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && received.some((m) => m.size < events)) await new Promise((r) => setTimeout(r, 50));
    const lat: number[] = [];
    let missing = 0;
    for (const m of received) {
      for (const [run, t0] of answered) {
        const t = m.get(run);
        if (t === undefined) missing++;
        else lat.push(t - t0);
      }
    }
    lat.sort((a, b) => a - b);
    const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))].toFixed(1);
    const ordered = orders.every((o) => o.every((id, k) => k === 0 || id > o[k - 1]));
    console.log(`streams ${streams}, events ${events} (run.started from POST /runs, --workers 2, events.poll_ms 250)`);
    console.log(`delivered ${lat.length} of ${streams * events}, missing ${missing}, every stream in id order: ${ordered}`);
    console.log(`latency answer -> stream receipt (ms): p50 ${q(0.5)}  p99 ${q(0.99)}  max ${lat[lat.length - 1].toFixed(1)}`);
    console.log(`idle CPU with ${streams} streams open over ${idleS} s (all server processes): ${(idle * 100).toFixed(2)}% of one core`);
    for (const r of reqs) r.destroy();
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function call(url: string, method: string, p: string, body: unknown): Promise<string> {
  return new Promise((resolve, reject) => {
    const text = JSON.stringify(body);
    const req = http.request(`${url}${p}`, { method, headers: { ...H, 'Content-Length': Buffer.byteLength(text) } }, (res) => {
      let out = '';
      res.on('data', (c: Buffer) => (out += c.toString()));
      res.on('end', () => ((res.statusCode ?? 0) < 300 ? resolve(out) : reject(new Error(`${method} ${p}: ${res.statusCode} ${out}`))));
    });
    req.on('error', reject);
    req.end(text);
  });
}

/** CPU seconds per second of the process and its children (the workers), over `ms`. */
async function cpuOver(pid: number, ms: number): Promise<number> {
  const before = treeTicks(pid);
  await new Promise((r) => setTimeout(r, ms));
  return (treeTicks(pid) - before) / TICK / (ms / 1000);
}

function treeTicks(pid: number): number {
  const pids = [pid, ...childrenOf(pid)];
  let total = 0;
  for (const p of pids) {
    try {
      const fields = fs.readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ');
      total += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone
    }
  }
  return total;
}

function childrenOf(pid: number): number[] {
  try {
    return fs
      .readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

async function waitHealthy(url: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${url}/healthcheck`)).status === 200) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the server did not start');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
