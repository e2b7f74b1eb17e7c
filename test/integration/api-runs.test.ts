import assert from 'node:assert/strict';
import { waitFor } from '../helpers/agent';
import type { Api } from '../helpers/http';
import { JWT_ENV, tokenApi, type Tenant } from '../helpers/identity';
import { createRunsTenants } from '../helpers/runs-tenants';
import { startServer, type RunningServer } from '../helpers/server';

type Run = Record<string, unknown>;

/**
 * Run records over HTTP against a real server (auth=jwt): history with reasons and steps,
 * filters and paging, bad input, agent lost, retention, and isolation as for jobs.
 */
describe('runs API (auth=jwt)', function () {
  this.timeout(120000);
  let server: RunningServer;
  let alice: Tenant;
  let bob: Tenant;
  let reader: Tenant;
  let carol: Tenant;
  let agent: Api;
  let jobA = '';
  let jobB = '';
  const agentInfo = { host: 'hostA', pid: 42, version: '1.0' };

  before(async () => {
    server = await startServer({
      env: { ...JWT_ENV, PERMAFROST_RUNS_AGENT_LOST_AFTER: '2', PERMAFROST_RUNS_SWEEP_INTERVAL: '1', PERMAFROST_RUNS_KEEP_PER_JOB: '3' },
    });
    ({ alice, bob, reader, carol, agent, jobA, jobB } = await createRunsTenants(server.url, 'runs'));
  });
  after(() => server?.stop());

  async function open(api: Api, jobId: string, extra: Record<string, unknown> = {}): Promise<string> {
    const res = await api.post('/runs', { job_id: jobId, trigger: 'schedule', status: 'running', agent: agentInfo, ...extra });
    assert.equal(res.status, 201, res.text);
    return res.json.run_id as string;
  }
  const runsOf = async (api: Api, query: string): Promise<Run[]> => {
    const res = await api.get(`/runs?${query}`);
    assert.equal(res.status, 200, res.text);
    return res.json.runs as Run[];
  };

  it('keeps a history: several runs, a failed one with its reason, retries as steps, progress and log tail', async () => {
    const first = await open(agent, jobA);
    const progress = { phase: 'backup', bytes_done: 50, bytes_total: 100, files_done: 1, files_total: 2, rate: 10, eta: 5, pct_complete: 50 };
    assert.equal((await agent.patch(`/runs/${first}`, { progress })).status, 200);
    assert.deepEqual((await alice.api.get(`/runs/${first}`)).json.progress, progress);
    const steps = [{ action: 'backup', action_id: null, status: 'success', attempts: 2, reason: 'attempt 1: connection reset', started_at: 1, ended_at: 2 }];
    const ok = await agent.patch(`/runs/${first}`, { status: 'success', steps, stored_bytes: 1234, backups: [{ backup_id: 'x', level: 0 }] });
    assert.deepEqual(ok.json, { run_id: first, status: 'success' });
    const second = await open(agent, jobA);
    const lines = Array.from({ length: 80 }, (_, i) => `line ${i} ${'x'.repeat(i === 79 ? 5000 : 1)}`);
    await agent.patch(`/runs/${second}`, { status: 'fail', reason: 'Critical Error: tar exited with code 2', log_tail: lines, steps: [{ action: 'backup', status: 'fail', attempts: 3, reason: 'tar exited with code 2' }] });
    const runs = await runsOf(alice.api, `job_id=${jobA}`);
    assert.deepEqual(runs.map((r) => r.run_id), [second, first], 'newest first');
    const [failed, succeeded] = runs;
    assert.equal(failed.status, 'fail');
    assert.equal(failed.reason, 'Critical Error: tar exited with code 2');
    assert.equal((failed.log_tail as string[]).length, 50);
    assert.equal((failed.log_tail as string[])[0], 'line 30 x');
    assert.equal((failed.log_tail as string[])[49].length, 1000);
    assert.deepEqual(failed.steps, [{ action: 'backup', action_id: null, status: 'fail', attempts: 3, reason: 'tar exited with code 2', started_at: null, ended_at: null }]);
    assert.equal(succeeded.reason, null);
    assert.deepEqual(succeeded.steps, steps);
    assert.equal(succeeded.stored_bytes, 1234);
    assert.deepEqual(succeeded.agent, agentInfo);
    assert.equal(succeeded.client_id, 'hostA');
    assert.equal(succeeded.user_id, alice.userId);
    assert.ok(typeof succeeded.duration === 'number' && (succeeded.duration as number) >= 0);
    // An ended run cannot change.
    assert.equal((await agent.patch(`/runs/${second}`, { status: 'success' })).status, 409);
  });

  it('filters by status, client and time, pages newest first, in v2 and v1', async () => {
    const other = await open(alice.api, jobB);
    await alice.api.patch(`/runs/${other}`, { status: 'aborted' });
    const all = await runsOf(alice.api, 'limit=100');
    const created = all.map((r) => r.created_at as number);
    assert.deepEqual(created, [...created].sort((a, b) => b - a));
    assert.deepEqual((await runsOf(alice.api, 'status=aborted')).map((r) => r.run_id), [other]);
    assert.equal((await runsOf(alice.api, 'status=aborted'))[0].reason, 'aborted');
    assert.deepEqual((await runsOf(alice.api, 'client_id=hostB')).map((r) => r.run_id), [other]);
    assert.deepEqual((await runsOf(alice.api, 'limit=1&offset=1')).map((r) => r.run_id), [all[1].run_id]);
    assert.deepEqual((await runsOf(alice.api, `since=${created[1]}`)).map((r) => r.run_id), all.slice(0, 2).map((r) => r.run_id));
    assert.deepEqual((await runsOf(alice.api, `until=${created[0]}`)).map((r) => r.run_id), all.slice(1).map((r) => r.run_id).slice(0, 10));
    const v1 = tokenApi(server.url, null, alice.token);
    assert.deepEqual((await runsOf(v1, 'limit=100')).map((r) => r.run_id), all.map((r) => r.run_id));
  });

  it('answers bad input with a 4xx naming the problem', async () => {
    const bad = async (res: Promise<{ status: number; json: { description?: string } }>, status: number, text: RegExp) => {
      const r = await res;
      assert.equal(r.status, status, JSON.stringify(r.json));
      assert.match(r.json.description ?? '', text);
    };
    await bad(alice.api.get('/runs?bogus=1&limit=2'), 400, /'bogus'/);
    await bad(alice.api.get('/runs?limit=0'), 400, /limit/);
    await bad(alice.api.get('/runs?limit=1001'), 400, /limit/);
    await bad(alice.api.get('/runs?status=done'), 400, /status/);
    await bad(alice.api.get('/runs?since=yesterday'), 400, /since/);
    await bad(alice.api.post('/runs', { job_id: jobA, trigger: 'schedule', status: 'running', agent: agentInfo, colour: 'red' }), 400, /'colour'/);
    await bad(alice.api.post('/runs', { job_id: jobA, trigger: 'cron', status: 'running', agent: agentInfo }), 400, /trigger/);
    await bad(alice.api.post('/runs', { job_id: 'nope', trigger: 'schedule', status: 'running', agent: agentInfo }), 404, /nope/);
    const id = await open(alice.api, jobA);
    await bad(alice.api.patch(`/runs/${id}`, { progress: { phase: 'x', pct_complete: 101 } }), 400, /pct_complete/);
    await bad(alice.api.patch(`/runs/${id}`, { progress: { phase: 'x', speed: 1 } }), 400, /'progress.speed'/);
    await bad(alice.api.patch(`/runs/${id}`, { steps: [{ status: 'fail' }] }), 400, /'steps.0.action' is required/);
    await bad(alice.api.patch(`/runs/${id}`, { log_tail: 'one line' }), 400, /log_tail/);
    await bad(alice.api.patch(`/runs/${id}`, { status: 'success', owner: 'me' }), 400, /'owner'/);
    await bad(alice.api.patch('/runs/missing', { status: 'success' }), 404, /missing/);
    await alice.api.patch(`/runs/${id}`, { status: 'success' });
  });

  it('isolates runs as jobs: another user, another project, a reader, a client-limited token', async () => {
    const own = await open(agent, jobA);
    const hostB = await open(alice.api, jobB);
    // Another user of the same project, and a member of another project, see nothing.
    assert.equal((await bob.api.get(`/runs/${own}`)).status, 404);
    assert.deepEqual(await runsOf(bob.api, 'limit=100'), []);
    assert.equal((await bob.api.patch(`/runs/${own}`, { status: 'success' })).status, 404);
    assert.equal((await bob.api.post('/runs', { job_id: jobA, trigger: 'schedule', status: 'running', agent: agentInfo })).status, 404);
    assert.equal((await carol.api.get(`/runs/${own}`)).status, 404);
    assert.deepEqual(await runsOf(carol.api, 'limit=100'), []);
    // A reader reads, and cannot write.
    const asReader = tokenApi(server.url, alice.projectId, reader.token);
    assert.equal((await asReader.get(`/runs/${own}`)).status, 404, 'a reader is another user: like jobs, it sees its own documents only');
    assert.equal((await asReader.get('/runs')).status, 200);
    assert.equal((await asReader.post('/runs', { job_id: jobA, trigger: 'schedule', status: 'running', agent: agentInfo })).status, 403);
    assert.equal((await asReader.patch(`/runs/${own}`, { status: 'success' })).status, 403);
    // The agent token of hostA sees and writes hostA's runs only.
    assert.equal((await agent.get(`/runs/${hostB}`)).status, 404);
    assert.equal((await agent.patch(`/runs/${hostB}`, { status: 'success' })).status, 404);
    assert.equal((await agent.post('/runs', { job_id: jobB, trigger: 'schedule', status: 'running', agent: agentInfo })).status, 404);
    assert.ok((await runsOf(agent, 'limit=100')).every((r) => r.client_id === 'hostA'));
    assert.deepEqual(await runsOf(agent, 'client_id=hostB'), []);
    // Exactly as for jobs.
    assert.equal((await agent.get(`/jobs/${jobB}`)).status, 404);
    assert.equal((await bob.api.get(`/jobs/${jobA}`)).status, 404);
    await alice.api.patch(`/runs/${own}`, { status: 'success' });
    await alice.api.patch(`/runs/${hostB}`, { status: 'success' });
  });

  it('keeps job_schedule.run_now server-owned: a job body cannot set it', async () => {
    const res = await alice.api.patch(`/jobs/${jobA}`, { job_schedule: { status: 'scheduled', run_now: { run_id: 'forged', requested_at: 1 } } });
    assert.equal(res.status, 200, res.text);
    const job = (await alice.api.get(`/jobs/${jobA}`)).json as { job_schedule: Record<string, unknown> };
    assert.equal(job.job_schedule.run_now, undefined);
    assert.equal(job.job_schedule.status, 'scheduled');
  });

  it('closes a run whose agent stops reporting: fail, "agent lost"', async () => {
    const id = await open(agent, jobA);
    const run = await waitFor('the run to be closed', 20000, async () => {
      const r = (await alice.api.get(`/runs/${id}`)).json as Run;
      return r.status === 'fail' ? r : null;
    });
    assert.equal(run.reason, 'agent lost (no report for 2 s)');
    assert.ok(typeof run.ended_at === 'number');
  });

  it('keeps runs.keep_per_job runs of a job (pruned in the background)', async () => {
    for (let i = 0; i < 5; i++) {
      const id = await open(alice.api, jobB);
      await alice.api.patch(`/runs/${id}`, { status: 'success' });
    }
    const newest = (await runsOf(alice.api, `job_id=${jobB}&limit=3`)).map((r) => r.run_id);
    await waitFor('retention to prune the job to 3 runs', 20000, async () => (await runsOf(alice.api, `job_id=${jobB}&limit=100`)).length === 3);
    assert.deepEqual((await runsOf(alice.api, `job_id=${jobB}&limit=100`)).map((r) => r.run_id), newest);
  });
});
