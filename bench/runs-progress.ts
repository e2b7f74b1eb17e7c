/**
 * 1,000 running jobs each reporting progress every 2 s (issue 12 target: under 5% of one core on
 * the server). Starts a real server (noauth, embedded SQLite), opens one run per job, then sends
 * PATCH /v2/{project}/runs/{id} {progress} for every run every 2 s (staggered: 500 requests/s)
 * for the measured window, and reads the server's CPU time from /proc/<pid>/stat.
 *
 *   node dist/bench/runs-progress.js [jobs] [seconds]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

const HEADERS = { 'X-User-Id': 'alice', 'X-Project-Id': 'proj', 'Content-Type': 'application/json' };

function cpuSeconds(pid: number): number {
  // Fields 14 and 15 (utime, stime) in clock ticks; the command name may hold spaces, so split after ')'.
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function main(): Promise<void> {
  const jobs = Number(process.argv[2] ?? 1000);
  const seconds = Number(process.argv[3] ?? 60);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-progress-bench-'));
  fs.chmodSync(dir, 0o700);
  const port = 19000 + Math.floor(Math.random() * 1000);
  const server = spawn(process.execPath, [...(process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ') : []), path.join(__dirname, '../src/bin/permafrost.js'), 'serve', '--bind', `127.0.0.1:${port}`, '--data-dir', dir], {
    env: { ...process.env, PERMAFROST_AUTH: 'noauth', PERMAFROST_LOG_LEVEL: 'warn', PERMAFROST_RUNS_AGENT_LOST_AFTER: '3600' },
    stdio: 'ignore',
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const call = (method: string, p: string, body?: unknown) =>
    new Promise<{ status: number; json: Record<string, string> }>((resolve, reject) => {
      const data = body === undefined ? undefined : JSON.stringify(body);
      const req = http.request({ host: '127.0.0.1', port, path: p, method, agent, headers: HEADERS }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: text.startsWith('{') ? (JSON.parse(text) as Record<string, string>) : {} }));
      });
      req.on('error', reject);
      req.end(data);
    });
  for (let i = 0; ; i++) {
    if ((await call('GET', '/healthcheck').catch(() => ({ status: 0 }))).status === 200) break;
    if (i > 300) throw new Error('the server did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  const runIds: string[] = [];
  for (let i = 0; i < jobs; i++) {
    const job = await call('POST', '/v2/proj/jobs', { client_id: `host${i % 100}`, job_schedule: {}, job_actions: [{ freezer_action: { action: 'info' } }] });
    const run = await call('POST', '/v2/proj/runs', { job_id: job.json.job_id, trigger: 'schedule', status: 'running', agent: { host: `host${i % 100}`, pid: i, version: '1' } });
    runIds.push(run.json.run_id);
  }
  console.log(`${jobs} jobs with a running run each; reporting progress every 2 s for ${seconds} s`);
  let sent = 0;
  let failed = 0;
  // BENCH_FLOOR=1: GET /healthcheck at the same rate instead, to show what the HTTP round trip alone costs.
  const floor = process.env.BENCH_FLOOR === '1';
  const report = (i: number, tick: number) =>
    (floor ? call('GET', '/healthcheck') : call('PATCH', `/v2/proj/runs/${runIds[i]}`, {
      progress: { phase: 'backup', bytes_done: tick * 1_000_000, bytes_total: 1e9, files_done: tick * 10, files_total: 10_000, rate: 500_000, eta: 100, pct_complete: Math.min(100, tick / 10) },
    })).then((r) => {
      sent++;
      if (r.status !== 200) failed++;
    });
  // Each run reports every 2 s; the runs are spread evenly over those 2 s (every 10 ms a slice).
  const slices = 200;
  const perSlice = Math.ceil(jobs / slices);
  let slice = 0;
  const timer = setInterval(() => {
    const tick = Math.floor(slice / slices);
    const start = (slice % slices) * perSlice;
    for (let i = start; i < Math.min(jobs, start + perSlice); i++) void report(i, tick);
    slice++;
  }, 2000 / slices);
  // Warm-up, then measure.
  await new Promise((r) => setTimeout(r, 4000));
  const pid = server.pid as number;
  const cpu0 = cpuSeconds(pid);
  const sent0 = sent;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const cpu = cpuSeconds(pid) - cpu0;
  const wall = (performance.now() - t0) / 1000;
  clearInterval(timer);
  console.log(
    `server CPU: ${((cpu / wall) * 100).toFixed(2)}% of one core over ${wall.toFixed(1)} s ` +
      `(${Math.round((sent - sent0) / wall)} PATCH /runs/{id} per s, ${failed} not 200)`,
  );
  server.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 500));
  agent.destroy();
  await new Promise((r) => server.once('exit', r));
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
