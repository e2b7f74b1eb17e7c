import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { waitFor } from '../helpers/agent';
import type { Api } from '../helpers/http';
import { tokenApi } from '../helpers/identity';
import { type FakeKeystone, startFakeKeystone } from '../helpers/fake-keystone';
import { startServer, type RunningServer } from '../helpers/server';
import { compatDir } from '../helpers/shared-dir';

const ROOT = path.resolve(__dirname, '../../..');
const COMPAT = compatDir();
const PACKAGES = ['python3-freezerclient', 'freezer-scheduler', 'python3-freezer'];

/**
 * Run-now against the Debian `freezer-scheduler` (issue 12, contract 4): the stock scheduler
 * knows nothing of `job_schedule.run_now`; it ignores it and goes on serving its jobs, and the
 * queued run it never starts ends `fail` after runs.queue_timeout (3 s here).
 */
describe('run-now with the stock freezer-scheduler: ignored, and the queued run times out', function () {
  this.timeout(300000);
  let server: RunningServer | null = null;
  let keystone: FakeKeystone | null = null;
  let scheduler: ChildProcess | null = null;
  let work = '';
  let api: Api;
  const project = `runnow${process.pid}`;
  const client = `${project}_sched`;

  before(async function () {
    const install = spawnSync('bash', [path.join(ROOT, 'scripts/debian-packages.sh'), ...PACKAGES], { encoding: 'utf8' });
    if (install.status !== 0 || !fs.existsSync(path.join(COMPAT, 'lib/fake_keystone.py'))) {
      console.log(`      SKIPPED: the stock scheduler or shared/compat is not available: ${install.stderr.trim().slice(-300)}`);
      this.skip();
    }
    server = await startServer({ env: { PERMAFROST_RUNS_QUEUE_TIMEOUT: '3', PERMAFROST_RUNS_SWEEP_INTERVAL: '1' } });
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-runnow-stock-'));
    fs.mkdirSync(path.join(work, 'jobs'));
    keystone = await startFakeKeystone(['--backup-url', server.url]);
    const env = { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}`, OS_AUTH_URL: `${keystone.url}/v3`, OS_TOKEN: 'runnow-token', OS_PROJECT_ID: project, OS_BACKUP_URL: server.url };
    scheduler = spawn('freezer-scheduler', ['--no-daemon', '--client-id', client, '--interval', '1', '--conf', path.join(work, 'jobs'), '--log-file', path.join(work, 'scheduler.log'), 'start'], {
      env,
      stdio: 'ignore',
    });
    api = tokenApi(server.url, project, 'runnow-token');
    await waitFor('the scheduler registers', 60000, async () => (await api.get(`/clients/${client}`)).status === 200);
  });

  after(async function () {
    if (this.currentTest?.state === 'failed' && work) console.log(fs.readFileSync(path.join(work, 'scheduler.log'), 'utf8').slice(-3000));
    scheduler?.kill('SIGTERM');
    keystone?.stop();
    await server?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('the scheduler ignores run_now, keeps the job as it was, and the queued run ends fail after runs.queue_timeout; a start event still runs the job', async () => {
    const marker = path.join(work, 'ran');
    const created = await api.post('/jobs', {
      client_id: client,
      description: 'stock run-now',
      job_schedule: { status: 'stop' },
      job_actions: [{ freezer_action: { action: 'exec', command: `touch ${marker}` }, max_retries: 0 }],
    });
    assert.equal(created.status, 201, created.text);
    const jobId = created.json.job_id as string;
    // The scheduler takes the job in (it logs the stop event, then PATCHes the job stopped)
    // before run_now is set: run_now is then a change to a job it already serves.
    const log = path.join(work, 'scheduler.log');
    await waitFor('the scheduler to take the job in', 60000, async () => fs.existsSync(log) && fs.readFileSync(log, 'utf8').includes(`JOB ${jobId} event: STOP`));
    const queued = await api.call('POST', `/jobs/${jobId}/runs`, undefined, { 'Idempotency-Key': 'stock-1' });
    assert.equal(queued.status, 202, queued.text);
    const runId = queued.json.run_id as string;
    const ended = await waitFor('the queued run to time out', 20000, async () => {
      const r = (await api.get(`/runs/${runId}`)).json as Record<string, unknown>;
      return r.status !== 'queued' ? r : null;
    });
    assert.equal(ended.status, 'fail');
    assert.equal(ended.reason, 'no agent started it within 3 s');
    assert.equal(fs.existsSync(marker), false, 'the stock scheduler did not run the job for run_now');
    const job = (await api.get(`/jobs/${jobId}`)).json as Record<string, Record<string, unknown>>;
    assert.equal(job.job_schedule.status, 'stop');
    assert.equal((job.job_schedule.run_now as Record<string, unknown>).run_id, runId, 'run_now is kept through the scheduler PATCHes');
    // The scheduler is unaffected: a start event still runs the job, which gets a derived run
    // beside the failed run-now (how that exec ends under the fake Keystone does not matter here).
    assert.equal((await api.post(`/jobs/${jobId}/event`, { start: null })).status, 202);
    const derived = await waitFor('the scheduler to run the job', 60000, async () => {
      const runs = (await api.get(`/runs?job_id=${jobId}`)).json.runs as Array<Record<string, unknown>>;
      return runs.find((r) => r.derived === true && r.status !== 'running') ?? null;
    });
    assert.equal(derived.trigger, 'schedule');
  });
});
