/**
 * Poll cost at steady state (issue 5): Permafrost (one process, noauth) and `permafrost agent`
 * with 1,000 jobs for its client and a 1 s poll interval. The jobs run once a day, so after the
 * agent has scheduled them all, what remains is polling. CPU time of both processes is read from
 * /proc over a window and printed as a share of one core, with the requests the API served.
 *
 *   node dist/bench/agent-poll.js [jobs=1000] [window_s=60] [interval_s=1] [page_size=100]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const ENTRY = path.resolve(__dirname, '../src/bin/permafrost.js');
/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const TICK = 100;

async function main(): Promise<void> {
  const [jobs, windowS, interval, pageSize] = [1000, 60, 1, 100].map((d, i) => Number(process.argv[2 + i] ?? d));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-poll-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PERMAFROST_') && !k.startsWith('OS_')));
  const server = spawn(process.execPath, [ENTRY, 'serve', '--auth', 'noauth', '--bind', `127.0.0.1:${port}`, '--data-dir', tmp], {
    env: { ...cleanEnv, PERMAFROST_LOG_LEVEL: 'info', PERMAFROST_ACCESS_LOG: '1', PERMAFROST_NOAUTH_PROJECT: 'bench' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let requests = 0;
  let notModified = 0;
  server.stdout?.on('data', (d: Buffer) => {
    for (const line of d.toString().split('\n')) {
      if (!line.includes('"msg":"request"')) continue;
      requests++;
      if (line.includes('"status":304')) notModified++;
    }
  });
  let agent: ChildProcess | null = null;
  try {
    await waitHealthy(url);
    const headers = { 'Content-Type': 'application/json', 'X-User-Id': 'bench', 'X-Project-Id': 'bench' };
    const body = JSON.stringify({
      client_id: 'bench-host',
      description: 'daily',
      job_schedule: { schedule_interval: '1 days' },
      job_actions: [{ freezer_action: { action: 'exec', command: '/bin/true' } }],
    });
    for (let i = 0; i < jobs; i += 50) {
      await Promise.all(Array.from({ length: Math.min(50, jobs - i) }, () => fetch(`${url}/v2/bench/jobs`, { method: 'POST', headers, body })));
    }
    console.log(`agent-poll: seeded ${jobs} daily jobs for client bench-host`);
    agent = spawn(process.execPath, [ENTRY, 'agent', '--jobs-dir', path.join(tmp, 'jobs')], {
      env: {
        ...cleanEnv,
        PERMAFROST_AGENT_API_URL: url,
        PERMAFROST_AGENT_NOAUTH_USER: 'bench',
        OS_PROJECT_ID: 'bench',
        PERMAFROST_AGENT_CLIENT_ID: 'bench-host',
        PERMAFROST_AGENT_INTERVAL: String(interval),
        PERMAFROST_AGENT_PAGE_SIZE: String(pageSize),
        PERMAFROST_AGENT_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const t0 = Date.now();
    await waitFor(async () => {
      const res = await fetch(`${url}/v2/bench/jobs?limit=${jobs}`, { method: 'GET', headers: { 'X-User-Id': 'bench' } });
      const list = (await res.json()) as { jobs: Array<{ job_schedule?: { status?: string } }> };
      return list.jobs.filter((j) => j.job_schedule?.status === 'scheduled').length === jobs;
    }, 300_000);
    console.log(`agent-poll: all ${jobs} jobs scheduled by the agent after ${((Date.now() - t0) / 1000).toFixed(1)} s; settling 5 s`);
    await new Promise((r) => setTimeout(r, 5000));
    const before = { server: cpuSeconds(server.pid as number), agent: cpuSeconds(agent.pid as number), requests, notModified };
    await new Promise((r) => setTimeout(r, windowS * 1000));
    const after = { server: cpuSeconds(server.pid as number), agent: cpuSeconds(agent.pid as number) };
    const share = (a: number, b: number) => (((b - a) / windowS) * 100).toFixed(2);
    console.log(`agent-poll: window ${windowS} s, poll every ${interval} s, ${pageSize} jobs per page`);
    console.log(`  API   CPU ${share(before.server, after.server)} % of one core; ${requests - before.requests} requests (${notModified - before.notModified} answered 304)`);
    console.log(`  agent CPU ${share(before.agent, after.agent)} % of one core`);
    console.log(`  both  CPU ${share(before.server + before.agent, after.server + after.agent)} % of one core`);
  } finally {
    agent?.kill('SIGTERM');
    server.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    fs.rmSync(tmp, { recursive: true, force: true });
  }
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
  await waitFor(async () => (await fetch(`${url}/healthcheck`).catch(() => null))?.status === 200, 15000);
}

async function waitFor(probe: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
