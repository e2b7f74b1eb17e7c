import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startAgent, waitFor, type RunningAgent } from '../helpers/agent';
import { ensureEngineTools, tempDir } from '../helpers/engine';
import { Api, request } from '../helpers/http';
import { startServer, type RunningServer } from '../helpers/server';
import { makeTree } from '../helpers/tree';

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Permafrost's agent writes its own run records where the API keeps them (issue 12, item 2): it
 * opens a run before the running PATCH, reports progress, steps and output every ~2 s, and closes
 * it with the reason, the backups it produced and the bytes they stored.
 */
describe('agent: run records of scheduled runs against Permafrost', function () {
  this.timeout(120_000);
  let server: RunningServer;
  let agent: RunningAgent;
  let owner: Api;
  let work = '';
  let metricsUrl = '';
  const clientId = 'runshost';

  before(async () => {
    ensureEngineTools();
    server = await startServer({ env: { PERMAFROST_METRICS_BIND: '127.0.0.1:0' } });
    metricsUrl = `http://127.0.0.1:${server.metricsPort}/metrics`;
    owner = Api.v2(server.url, 'proj', 'alice');
    work = tempDir('agent-runs');
    agent = startAgent({
      PERMAFROST_AGENT_API_URL: server.url, PERMAFROST_AGENT_NOAUTH_USER: 'alice', OS_PROJECT_ID: 'proj',
      PERMAFROST_AGENT_CLIENT_ID: clientId, PERMAFROST_AGENT_INTERVAL: '0.3', PERMAFROST_AGENT_LOG_LEVEL: 'info',
    });
    await waitFor('the agent to register', 20_000, async () => (await owner.get(`/clients/${clientId}`)).status === 200);
  });
  after(async function () {
    if (this.currentTest?.state === 'failed') console.log(agent.logs().slice(-4000));
    await agent?.stop();
    await server?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  const runsOf = async (jobId: string): Promise<Doc[]> => (await owner.get(`/runs?job_id=${jobId}&limit=100`)).json.runs as Doc[];
  /** Requests the server answered on a route (its request metrics), by method. */
  const answered = async (method: string, route: string): Promise<number> => {
    const text = (await request(metricsUrl, { record: false })).text;
    let total = 0;
    for (const line of text.split('\n')) {
      if (line.startsWith('permafrost_http_request_duration_seconds_count{') && line.includes(`method="${method}"`) && line.includes(`route="${route}"`)) total += Number(line.split(' ').pop());
    }
    return total;
  };

  it('a backup: one run with the agent, progress while it runs, the backup and its stored bytes', async () => {
    const src = path.join(work, 'src');
    makeTree(src);
    // Slow enough (xz, ~16 MiB of text) that at least one progress report lands while it runs.
    for (let i = 0; i < 4; i++) fs.writeFileSync(path.join(src, 'data', `big-${i}.txt`), crypto.randomBytes(3_000_000).toString('base64'));
    const res = await owner.post('/jobs', {
      client_id: clientId,
      description: 'backup',
      job_schedule: {},
      job_actions: [{ freezer_action: { action: 'backup', storage: 'local', container: path.join(work, 'store'), backup_name: 'runs', hostname: 'h', path_to_backup: src, compression: 'xz' }, max_retries: 0 }],
    });
    const jobId = res.json.job_id as string;
    const inFlight: Doc[] = [];
    const run = await waitFor('the run to end', 90_000, async () => {
      const [r] = await runsOf(jobId);
      if (r?.status === 'running' && r.progress) inFlight.push(r.progress as Doc);
      return r && r.status !== 'running' ? r : null;
    });
    assert.equal(run.status, 'success', JSON.stringify(run));
    assert.equal(run.derived, false);
    assert.equal(run.trigger, 'schedule');
    assert.deepEqual(run.agent, { host: os.hostname(), pid: agent.proc.pid, version: run.agent.version });
    assert.equal(typeof run.agent.version, 'string');
    assert.ok(inFlight.length > 0, 'progress was reported while the backup ran');
    assert.ok(inFlight.every((p) => p.phase === 'backup' && typeof p.bytes_done === 'number' && 'pct_complete' in p), JSON.stringify(inFlight));
    assert.deepEqual(run.steps.map((s: Doc) => [s.action, s.status, s.attempts]), [['backup', 'success', 1]]);
    assert.equal(run.backups.length, 1);
    assert.equal(run.backups[0].level, 0);
    assert.ok(run.stored_bytes > 0 && run.stored_bytes === run.backups[0].stored_bytes, JSON.stringify(run.backups));
    assert.equal((await runsOf(jobId)).length, 1, 'one run, not a derived one beside it');
    // The reports in flight went on the report stream; the run's only PATCH is the closing one.
    assert.ok((await answered('POST', '/v2/{project_id}/run-reports')) >= 1, 'the agent streamed its reports');
    assert.equal(await answered('PATCH', '/v2/{project_id}/runs/{run_id}'), 1);
  });

  it('a failing interval job: a history of failed runs, newest first, each with its reason and retries as attempts', async () => {
    const res = await owner.post('/jobs', {
      client_id: clientId,
      description: 'failing',
      job_schedule: { schedule_interval: '2 seconds' },
      job_actions: [
        { freezer_action: { action: 'exec', command: 'echo "no space left on device" >&2; exit 28', shell: true }, max_retries: 1, max_retries_interval: 0 },
        { freezer_action: { action: 'exec', command: 'true' } },
      ],
    });
    const jobId = res.json.job_id as string;
    const runs = await waitFor('two failed runs', 30_000, async () => {
      const list = await runsOf(jobId);
      return list.filter((r) => r.status === 'fail').length >= 2 ? list : null;
    });
    assert.equal((await owner.post(`/jobs/${jobId}/event`, { stop: null })).status, 202);
    const failed = runs.filter((r) => r.status === 'fail');
    for (const r of failed) {
      assert.equal(r.reason, 'action 0 (exec): the command exited with status 28: no space left on device');
      assert.deepEqual(r.steps.map((s: Doc) => [s.action, s.status, s.attempts]), [['exec', 'fail', 2], ['exec', 'skipped', 0]]);
      assert.ok(r.log_tail.includes('no space left on device'));
    }
    const created = runs.map((r) => r.created_at as number);
    assert.deepEqual(created, [...created].sort((a, b) => b - a), 'newest first');
  });
});
