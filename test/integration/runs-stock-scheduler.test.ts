import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { waitFor } from '../helpers/agent';
import { tokenApi } from '../helpers/identity';
import { type FakeKeystone, startFakeKeystone } from '../helpers/fake-keystone';
import { startServer, type RunningServer } from '../helpers/server';
import { compatDir } from '../helpers/shared-dir';
import type { Api } from '../helpers/http';

const ROOT = path.resolve(__dirname, '../../..');
const COMPAT = compatDir();
const PACKAGES = ['python3-freezerclient', 'freezer-scheduler', 'python3-freezer'];

/**
 * Derived runs (issue 12, contract 5): the Debian `freezer-scheduler` knows nothing of runs; the
 * server derives them from its job PATCHes, so its jobs get a history with success and fail runs
 * and their reasons. Run as shared/compat/scheduler-smoke.sh runs it (fake Keystone, noauth).
 */
describe('runs: derived runs of the stock freezer-scheduler', function () {
  this.timeout(300000);
  let server: RunningServer | null = null;
  let keystone: FakeKeystone | null = null;
  let scheduler: ChildProcess | null = null;
  let work = '';
  let api: Api;
  const project = `derived${process.pid}`;
  const client = `${project}_sched`;

  before(async function () {
    const install = spawnSync('bash', [path.join(ROOT, 'scripts/debian-packages.sh'), ...PACKAGES], { encoding: 'utf8' });
    if (install.status !== 0 || !fs.existsSync(path.join(COMPAT, 'lib/fake_keystone.py'))) {
      console.log(`      SKIPPED: the stock scheduler or shared/compat is not available: ${install.stderr.trim().slice(-300)}`);
      this.skip();
    }
    server = await startServer();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-derived-'));
    for (const d of ['jobs', 'src', 'store']) fs.mkdirSync(path.join(work, d));
    fs.writeFileSync(path.join(work, 'src/file.txt'), 'hello\n');
    keystone = await startFakeKeystone(['--backup-url', server.url]);
    const env = { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ''}`, OS_AUTH_URL: `${keystone.url}/v3`, OS_TOKEN: 'derived-token', OS_PROJECT_ID: project, OS_BACKUP_URL: server.url };
    scheduler = spawn('freezer-scheduler', ['--no-daemon', '--client-id', client, '--interval', '1', '--conf', path.join(work, 'jobs'), '--log-file', path.join(work, 'scheduler.log'), 'start'], {
      env,
      stdio: 'ignore',
    });
    api = tokenApi(server.url, project, 'derived-token');
    await waitFor('the scheduler registers', 60000, async () => (await api.get(`/clients/${client}`)).status === 200);
  });

  after(async () => {
    scheduler?.kill('SIGTERM');
    keystone?.stop();
    await server?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  const job = (name: string, source: string) => ({
    client_id: client,
    description: name,
    job_schedule: {},
    job_actions: [
      {
        freezer_action: { action: 'backup', mode: 'fs', path_to_backup: source, storage: 'local', container: path.join(work, 'store'), backup_name: name },
        max_retries: 1,
        max_retries_interval: 1,
      },
    ],
  });

  type Run = Record<string, unknown>;
  const runsOf = async (jobId: string, query = ''): Promise<Run[]> => (await api.get(`/runs?job_id=${jobId}&limit=100${query}`)).json.runs as Run[];

  it('gives a job it runs a history: success and fail runs, newest first, with reasons', async () => {
    const source = path.join(work, 'src');
    const body = job('derived-interval', source);
    body.job_schedule = { schedule_interval: '2 seconds' } as never;
    const jobId = (await api.post('/jobs', body)).json.job_id as string;
    assert.equal((await api.post(`/jobs/${jobId}/event`, { start: null })).status, 202);
    await waitFor('two successful runs', 120000, async () => (await runsOf(jobId, '&status=success')).length >= 2);
    // The next runs cannot read their source: the scheduler reports them failed.
    fs.rmSync(source, { recursive: true, force: true });
    await waitFor('a failed run', 120000, async () => (await runsOf(jobId, '&status=fail')).length >= 1);
    assert.equal((await api.post(`/jobs/${jobId}/event`, { stop: null })).status, 202);
    // One listing with no run in flight: the scheduler may still start a run before it takes the
    // stop (its timer fires between polls), so a second listing could hold a new, open run.
    const runs = await waitFor('no run in flight after stop', 60000, async () => {
      const all = await runsOf(jobId);
      return all.every((r) => r.status !== 'queued' && r.status !== 'running') ? all : null;
    });
    for (const r of runs) {
      assert.equal(r.derived, true);
      assert.equal(r.trigger, 'schedule');
      assert.equal(r.client_id, client);
      assert.equal(r.job_id, jobId);
      assert.ok(typeof r.started_at === 'number' && typeof r.ended_at === 'number' && r.ended_at >= r.started_at, JSON.stringify(r));
      assert.equal(r.reason, r.status === 'success' ? null : r.status === 'fail' ? 'the scheduler reported fail' : r.reason);
    }
    const created = runs.map((r) => r.created_at as number);
    assert.deepEqual(created, [...created].sort((a, b) => b - a), 'newest first');
    // Every success came before the source went, every failure after.
    const newestSuccess = runs.findIndex((r) => r.status === 'success');
    const oldestFail = runs.map((r) => r.status).lastIndexOf('fail');
    assert.ok(oldestFail < newestSuccess, JSON.stringify(runs.map((r) => r.status)));
    assert.ok(runs.filter((r) => r.status === 'success').length >= 2);
    const failed = (await api.get(`/runs?status=fail&job_id=${jobId}`)).json.runs as Run[];
    assert.ok(failed.length >= 1 && failed.every((r) => r.reason === 'the scheduler reported fail'));
  });
});
