/**
 * Listing one job's runs with many runs stored (issue 12 target: p99 < 10 ms). Seeds N runs
 * (default 1,000,000: 10,000 jobs x 100 runs, one tenant, plus a second tenant) straight into
 * the embedded store in large transactions, then starts a real server on that data directory
 * and times GET /v2/{project}/runs?job_id=<job>&limit=10 over HTTP for random jobs.
 *
 *   node dist/bench/runs-list.js [N] [requests] [data-dir]
 *
 * With a data directory, it is seeded only when it has no database yet, and kept afterwards (to
 * time again without seeding again).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { SqliteStore } from '../src/store/sqlite/sqlite-store';

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 1_000_000);
  const requests = Number(process.argv[3] ?? 5000);
  const keep = process.argv[4];
  const dir = keep ?? fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-runs-bench-'));
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
  const jobs = Math.max(1, Math.floor(n / 100));
  if (!fs.existsSync(path.join(dir, 'permafrost.db'))) await seed(dir, n, jobs);
  await time(dir, jobs, n, requests);
  if (!keep) fs.rmSync(dir, { recursive: true, force: true });
}

async function seed(dir: string, n: number, jobs: number): Promise<void> {
  const store = new SqliteStore({ file: path.join(dir, 'permafrost.db'), synchronous: 'NORMAL', cacheMb: 256 });
  await store.start();
  const t0 = performance.now();
  const batch: Array<Promise<void>> = [];
  for (let i = 0; i < n; i++) {
    const job = i % jobs;
    // Within runs.keep_days, so the server's retention sweep leaves them alone during the timing.
    const created = Math.floor(Date.now() / 1000) - n + i;
    const doc = {
      run_id: `run${i.toString(16).padStart(12, '0')}`,
      job_id: `job${job}`,
      client_id: `host${job % 100}`,
      project_id: 'proj',
      user_id: 'alice',
      session_id: null,
      trigger: 'schedule',
      status: i % 10 === 0 ? 'fail' : 'success',
      reason: i % 10 === 0 ? 'exit code 1' : null,
      created_at: created,
      started_at: created,
      ended_at: created + 30,
      duration: 30,
      steps: [{ action: 'backup', action_id: null, status: 'success', attempts: 1, reason: null, started_at: created, ended_at: created + 30 }],
      progress: null,
      log_tail: [],
      backups: [],
      stored_bytes: 1000,
      agent: { host: `host${job % 100}`, pid: 1, version: '1' },
      derived: false,
      requested_by: null,
      cancelled_by: null,
      updated_at: created + 30,
    };
    // The group commit puts every insert queued in one turn into one transaction.
    batch.push(store.runs().insert({ userId: i % 50 === 0 ? 'bob' : 'alice', projectId: 'proj' }, doc));
    if (batch.length === 20_000) await Promise.all(batch.splice(0));
    if (i > 0 && i % 200_000 === 0) console.log(`seeded ${i} (${Math.round(i / ((performance.now() - t0) / 1000))}/s)`);
  }
  await Promise.all(batch);
  await store.stop();
  const seedS = (performance.now() - t0) / 1000;
  console.log(`seeded ${n} runs of ${jobs} jobs in ${seedS.toFixed(1)} s`);
}

async function time(dir: string, jobs: number, n: number, requests: number): Promise<void> {
  const port = 19000 + Math.floor(Math.random() * 1000);
  const server = spawn(process.execPath, [path.join(__dirname, '../src/bin/permafrost.js'), 'serve', '--workers', '1', '--bind', `127.0.0.1:${port}`, '--data-dir', dir], {
    // One API process, whatever PERMAFROST_WORKERS says: the figures name it.
    env: { ...process.env, PERMAFROST_AUTH: 'noauth', PERMAFROST_LOG_LEVEL: 'warn' },
    stdio: 'ignore',
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const get = (p: string) =>
    new Promise<number>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port, path: p, agent, headers: { 'X-User-Id': 'alice', 'X-Project-Id': 'proj' } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
    });
  for (let i = 0; ; i++) {
    if (await get('/healthcheck').catch(() => 0)) break;
    if (i > 300) throw new Error('the server did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  for (let i = 0; i < 200; i++) await get(`/v2/proj/runs?job_id=job${i % jobs}&limit=10`);
  const times: number[] = [];
  for (let i = 0; i < requests; i++) {
    const job = Math.floor(Math.random() * jobs);
    const t = performance.now();
    const status = await get(`/v2/proj/runs?job_id=job${job}&limit=10`);
    times.push(performance.now() - t);
    if (status !== 200) throw new Error(`status ${status}`);
  }
  times.sort((a, b) => a - b);
  const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))].toFixed(2);
  console.log(`GET /runs?job_id=<job>&limit=10 with ${n} runs stored, ${requests} requests, one API process (--workers 1): p50 ${q(0.5)} ms, p99 ${q(0.99)} ms, max ${q(1)} ms`);
  agent.destroy();
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
