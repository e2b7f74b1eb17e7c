/**
 * 1,000 running jobs each reporting progress every 2 s (issue 12 target: under 5% of one core on
 * the server). Starts a real server (noauth, embedded SQLite, default request timeout), opens one
 * run per job, then measures the server's CPU time (/proc/<pid>/stat) while every run reports
 * every 2 s, spread evenly over the 2 s, in turn by each way of reporting:
 *
 * - stream: what Permafrost's agent does. One report stream (POST /run-reports, JSON lines) per
 *   agent, driven by the agent's own RunReportStream (rotated every stream_seconds, as the server
 *   asks); by default one agent per job (`agents` = jobs), the most streams there can be.
 * - patch:  one PATCH /v2/{project}/runs/{id} per report (the fallback, and the stock-style way).
 * - floor:  GET /healthcheck at the PATCH rate: what an HTTP round trip alone costs here.
 *
 * The modes alternate (stream, patch, stream, patch, floor) in one run of the server, so the
 * figures are side by side on the same machine load; before the first, every run reports for
 * BENCH_SETTLE_S (30) seconds after the set-up. Every report carries the tick it was sent
 * at; after each window a sample of runs is read back to show that the reports were applied.
 *
 *   node dist/bench/runs-progress.js [jobs=1000] [seconds=30] [agents=jobs]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { RunReportStream } from '../src/agent/run-report-stream';

const HEADERS = { 'X-User-Id': 'alice', 'X-Project-Id': 'proj' };
type Mode = 'stream' | 'patch' | 'floor';

/** User and system CPU seconds of a process (all its threads). */
function cpuSeconds(pid: number): { user: number; system: number } {
  // Fields 14 and 15 (utime, stime) in clock ticks; the command name may hold spaces, so split after ')'.
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 };
}

function rssMiB(pid: number): number {
  const kb = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const jobs = Number(process.argv[2] ?? 1000);
  const seconds = Number(process.argv[3] ?? 30);
  const agents = Math.max(1, Math.min(jobs, Number(process.argv[4] ?? jobs)));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-progress-bench-'));
  fs.chmodSync(dir, 0o700);
  const port = 19000 + Math.floor(Math.random() * 1000);
  const base = `http://127.0.0.1:${port}`;
  // BENCH_NODE_ARGS: options for the server's node (e.g. --cpu-prof to see where its time goes).
  const nodeArgs = process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ') : [];
  const server = spawn(process.execPath, [...nodeArgs, path.join(__dirname, '../src/bin/permafrost.js'), 'serve', '--workers', '1', '--bind', `127.0.0.1:${port}`, '--data-dir', dir], {
    // One API process whatever PERMAFROST_WORKERS says: the CPU measured is this pid's.
    env: { ...process.env, PERMAFROST_AUTH: 'noauth', PERMAFROST_LOG_LEVEL: 'warn', PERMAFROST_RUNS_AGENT_LOST_AFTER: '3600' },
    stdio: 'ignore',
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const call = (method: string, p: string, body?: unknown) =>
    new Promise<{ status: number; json: Record<string, unknown> }>((resolve, reject) => {
      const data = body === undefined ? undefined : JSON.stringify(body);
      const req = http.request({ host: '127.0.0.1', port, path: p, method, agent, headers: { ...HEADERS, 'Content-Type': 'application/json' } }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : {} }));
      });
      req.on('error', reject);
      req.end(data);
    });
  for (let i = 0; ; i++) {
    if ((await call('GET', '/healthcheck').catch(() => ({ status: 0 }))).status === 200) break;
    if (i > 300) throw new Error('the server did not start');
    await sleep(100);
  }
  const runIds: string[] = [];
  for (let i = 0; i < jobs; i++) {
    const job = await call('POST', '/v2/proj/jobs', { client_id: `host${i % agents}`, job_schedule: {}, job_actions: [{ freezer_action: { action: 'info' } }] });
    const run = await call('POST', '/v2/proj/runs', { job_id: job.json.job_id, trigger: 'schedule', status: 'running', agent: { host: `host${i % agents}`, pid: i, version: '1' } });
    runIds.push(run.json.run_id as string);
  }

  // The agents' own report streams; warnings (a refused line, a broken stream) are counted.
  let warnings = 0;
  const log = { warn: () => warnings++, info: () => undefined, debug: () => undefined } as unknown as Logger;
  const streams = Array.from(
    { length: agents },
    () => new RunReportStream({ target: async () => ({ url: `${base}/v2/proj/run-reports`, headers: HEADERS }), unauthorized: () => undefined, log, timeoutMs: 30_000 }),
  );

  let mode: Mode = 'stream';
  let sent = 0;
  let failed = 0;
  const progress = (tick: number) => ({
    phase: 'backup',
    bytes_done: tick * 1_000_000,
    bytes_total: 1e12,
    files_done: tick * 10,
    files_total: 1e7,
    rate: 500_000,
    eta: 100,
    pct_complete: Math.min(100, tick / 1000),
  });
  const report = (i: number, tick: number): void => {
    sent++;
    if (mode === 'stream') {
      if (!streams[i % agents].send(runIds[i], { progress: progress(tick) })) failed++;
      return;
    }
    const answer = mode === 'floor' ? call('GET', '/healthcheck') : call('PATCH', `/v2/proj/runs/${runIds[i]}`, { progress: progress(tick) });
    void answer.then(
      (r) => void (r.status !== 200 && failed++),
      () => void failed++,
    );
  };
  // Each run reports every 2 s; the runs are spread evenly over those 2 s (every 10 ms a slice).
  const slices = 200;
  const perSlice = Math.ceil(jobs / slices);
  let slice = 0;
  let tick = 0;
  const timer = setInterval(() => {
    tick = Math.floor(slice / slices) + 1;
    const start = (slice % slices) * perSlice;
    for (let i = start; i < Math.min(jobs, start + perSlice); i++) report(i, tick);
    slice++;
  }, 2000 / slices);

  const pid = server.pid as number;
  const results: Array<{ mode: Mode; cpu: number; system: number; rate: number; failed: number; warnings: number; rss: number; applied: string }> = [];
  // BENCH_MODES=stream,patch: other modes or order.
  const modes = (process.env.BENCH_MODES ?? 'stream,patch,stream,patch,floor').split(',') as Mode[];
  // The steady state is measured, not the set-up's aftermath (2,000 documents just written: the
  // write-ahead log's checkpoint, the first sweeps over the new runs and jobs, JIT warm-up).
  const settle = Number(process.env.BENCH_SETTLE_S ?? 30);
  console.log(`one API process (--workers 1), pid ${pid}; settling for ${settle} s (BENCH_SETTLE_S) with every run reporting in the first mode`);
  await sleep(settle * 1000);
  for (const m of modes) {
    mode = m;
    await sleep(4000); // warm-up: streams open, the previous mode's requests drain
    const cpu0 = cpuSeconds(pid);
    const [sent0, failed0, warnings0] = [sent, failed, warnings];
    const t0 = performance.now();
    await sleep(seconds * 1000);
    const cpu1 = cpuSeconds(pid);
    const cpu = cpu1.user + cpu1.system - cpu0.user - cpu0.system;
    const system = cpu1.system - cpu0.system;
    const wall = (performance.now() - t0) / 1000;
    const lastTick = tick;
    let applied = '-';
    if (m !== 'floor') {
      // Reports sent up to 2 s ago have arrived: each sampled run shows a report of the last few ticks.
      await sleep(500);
      const sample = runIds.filter((_, i) => i % Math.max(1, Math.floor(jobs / 20)) === 0);
      const ticks = await Promise.all(sample.map(async (id) => ((await call('GET', `/v2/proj/runs/${id}`)).json.progress as { bytes_done?: number } | null)?.bytes_done ?? 0));
      const fresh = ticks.filter((b) => b / 1_000_000 >= lastTick - 2).length;
      applied = `${fresh}/${sample.length}`;
    }
    results.push({ mode: m, cpu: (cpu / wall) * 100, system: (system / wall) * 100, rate: (sent - sent0) / wall, failed: failed - failed0, warnings: warnings - warnings0, rss: rssMiB(pid), applied });
    const r = results[results.length - 1];
    console.log(
      `${m.padEnd(6)} server CPU ${r.cpu.toFixed(2).padStart(6)}% of one core (${r.system.toFixed(2)}% in the kernel) over ${wall.toFixed(1)} s; ${Math.round(r.rate)} reports/s; ` +
        `not taken ${r.failed}, stream warnings ${r.warnings}; server RSS ${r.rss.toFixed(0)} MiB; runs showing a recent report ${r.applied}`,
    );
  }
  clearInterval(timer);
  const mean = (m: Mode) => {
    const xs = results.filter((r) => r.mode === m).map((r) => r.cpu);
    return xs.reduce((a, b) => a + b, 0) / xs.length;
  };
  console.log(
    `${jobs} running jobs, ${agents} agents: stream ${mean('stream').toFixed(2)}% vs patch ${mean('patch').toFixed(2)}% of one core ` +
      `(patch/stream ${(mean('patch') / mean('stream')).toFixed(1)}x); HTTP floor at the patch rate ${mean('floor').toFixed(2)}%. Target: under 5%.`,
  );
  for (const s of streams) s.stop();
  server.kill('SIGTERM');
  await sleep(500);
  agent.destroy();
  await new Promise((r) => server.once('exit', r));
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
