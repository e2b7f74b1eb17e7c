import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startAgent, waitFor, type RunningAgent } from '../helpers/agent';
import type { Api } from '../helpers/http';
import { adminToken, createProject, createTenant, JWT_ENV, tokenApi, v3, type Tenant } from '../helpers/identity';
import { startServer, type RunningServer } from '../helpers/server';

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Run now and cancel (issue 12, item 3) with real processes: Permafrost (auth=jwt) and its agent
 * polling every 60 s, logged in with an application credential limited to its client. Run-now
 * and cancel reach it through the wait-for-change channel; it reports to the run.
 */
describe('run now and cancel (server + agent polling every 60 s)', function () {
  this.timeout(90000);
  let server: RunningServer;
  let agent: RunningAgent;
  let owner: Tenant;
  let other: Tenant;
  let reader: Tenant;
  let agentApi: Api;
  let work: string;
  const clientId = 'host-run-now';

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-run-now-'));
    server = await startServer({ env: JWT_ENV });
    const admin = await adminToken(server.url);
    const projectId = await createProject(server.url, admin, 'runnow');
    owner = await createTenant(server.url, admin, { projectId, user: 'operator', role: 'member' });
    other = await createTenant(server.url, admin, { projectId, user: 'other', role: 'member' });
    reader = await createTenant(server.url, admin, { projectId, user: 'watcher', role: 'reader' });
    const cred = await v3(server.url, owner.token, 'POST', `/users/${owner.userId}/application_credentials`, { application_credential: { name: 'agent', client_id: clientId } });
    const { id, secret } = cred.json.application_credential as { id: string; secret: string };
    const login = await v3(server.url, '', 'POST', '/auth/tokens', {
      auth: { identity: { methods: ['application_credential'], application_credential: { id, secret } } },
    });
    agentApi = tokenApi(server.url, projectId, login.headers['x-subject-token'] as string);
    agent = startAgent({
      PERMAFROST_AGENT_API_URL: server.url,
      OS_AUTH_URL: `${server.url}/v3`,
      OS_APPLICATION_CREDENTIAL_ID: id,
      OS_APPLICATION_CREDENTIAL_SECRET: secret,
      PERMAFROST_AGENT_CLIENT_ID: clientId,
      PERMAFROST_AGENT_INTERVAL: '60',
      PERMAFROST_AGENT_DRAIN_TIMEOUT_S: '1',
    });
    await waitFor('the agent to wait on the change channel', 20000, async () => agent.logs().includes("waiting on the API's change channel"));
  });
  after(async function () {
    if (this.currentTest?.state === 'failed' || process.env.AGENT_TEST_LOGS) console.log(agent?.logs().slice(-6000));
    await agent?.stop();
    await server?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  /** A stopped job of the agent's client: it runs only when asked to. */
  async function job(command: string, extra: Doc = {}, client = clientId): Promise<string> {
    const res = await owner.api.post('/jobs', {
      client_id: client,
      description: 'run-now',
      job_schedule: { status: 'stop' },
      job_actions: [{ freezer_action: { action: 'exec', command, shell: true }, max_retries: 0, max_retries_interval: 1, ...extra }],
    });
    assert.equal(res.status, 201, res.text);
    const id = res.json.job_id as string;
    if (client === clientId) await waitFor('the agent to hold the stopped job', 5000, async () => (await schedule(id)).status === 'stop');
    return id;
  }
  const schedule = async (id: string): Promise<Doc> => ((await owner.api.get(`/jobs/${id}`)).json as Doc).job_schedule as Doc;
  const run = async (id: string): Promise<Doc> => (await owner.api.get(`/runs/${id}`)).json as Doc;
  const runNow = (api: Api, jobId: string, query = '', headers: Record<string, string> = {}, body?: unknown) =>
    api.call('POST', `/jobs/${jobId}/runs${query}`, body, headers);

  it('run-now with wait: the agent runs the job at once and the answer is the ended run (success)', async () => {
    const marker = path.join(work, 'ok');
    const id = await job(`echo hello from the run; echo ran >> ${marker}`);
    const t0 = Date.now();
    const res = await runNow(owner.api, id, '?wait=20');
    const took = Date.now() - t0;
    assert.equal(res.status, 200, res.text);
    const r = res.json as Doc;
    assert.equal(r.status, 'success');
    assert.equal(r.trigger, 'run-now');
    assert.equal(r.job_id, id);
    assert.equal(r.client_id, clientId);
    assert.equal(r.reason, null);
    assert.deepEqual(r.requested_by, { user_id: owner.userId, user_name: 'operator' });
    assert.deepEqual(r.agent, { host: os.hostname(), pid: agent.proc.pid, version: r.agent.version }, 'the agent that claimed the run names itself');
    assert.equal(r.steps.length, 1);
    assert.deepEqual([r.steps[0].action, r.steps[0].status, r.steps[0].attempts], ['exec', 'success', 1]);
    assert.ok(r.log_tail.includes('hello from the run'), JSON.stringify(r.log_tail));
    assert.ok(r.started_at >= r.created_at && r.ended_at >= r.started_at);
    console.log(`      run-now with wait answered after ${took} ms (run ${((r.ended_at - r.created_at) * 1000).toFixed(0)} ms from request to end)`);
    assert.equal(fs.readFileSync(marker, 'utf8'), 'ran\n');
    // A stopped job is stopped again after its run-now.
    await waitFor('the job to be stopped again', 5000, async () => (await schedule(id)).status === 'stop');
  });

  it('run-now with wait: a failing job ends fail with the reason (exit status and first error line) and its retries as attempts', async () => {
    const id = await job('echo working; echo "disk quota exceeded" >&2; exit 3', { max_retries: 1, max_retries_interval: 1 });
    const res = await runNow(owner.api, id, '?wait=30');
    assert.equal(res.status, 200, res.text);
    const r = res.json as Doc;
    assert.equal(r.status, 'fail');
    assert.match(r.reason, /exited with status 3/);
    assert.match(r.reason, /disk quota exceeded/);
    assert.equal(r.steps[0].status, 'fail');
    assert.equal(r.steps[0].attempts, 2);
    assert.ok(r.log_tail.some((l: string) => /attempt 1 failed/.test(l)), JSON.stringify(r.log_tail));
  });

  it('run-now whose wait passes first: 202 with the running run, which then ends', async () => {
    const id = await job('sleep 3');
    const res = await runNow(owner.api, id, '?wait=1');
    assert.equal(res.status, 202, res.text);
    assert.equal(res.json.status, 'running');
    assert.ok(res.json.agent === null || typeof res.json.agent === 'object');
    const ended = await waitFor('the run to end', 15000, async () => {
      const r = await run(res.json.run_id as string);
      return r.status === 'success' ? r : null;
    });
    assert.ok(ended.duration >= 2.5, `duration ${ended.duration}`);
  });

  it('run-now is idempotent by Idempotency-Key: the same run, one execution', async () => {
    const marker = path.join(work, 'idem');
    const id = await job(`echo once >> ${marker}`);
    const key = `key-${Date.now()}`;
    const [a, b] = await Promise.all([runNow(owner.api, id, '', { 'Idempotency-Key': key }), runNow(owner.api, id, '', { 'Idempotency-Key': key })]);
    assert.deepEqual([a.status, b.status].sort(), [200, 202], `${a.text} ${b.text}`);
    assert.equal(a.json.run_id, b.json.run_id);
    await waitFor('the run to end', 15000, async () => (await run(a.json.run_id as string)).status === 'success');
    const again = await runNow(owner.api, id, '?wait=5', { 'Idempotency-Key': key });
    assert.equal(again.status, 200);
    assert.equal(again.json.run_id, a.json.run_id);
    assert.equal(again.json.status, 'success');
    await new Promise((r) => setTimeout(r, 1000)); // nothing-happens window: no second execution
    assert.equal(fs.readFileSync(marker, 'utf8'), 'once\n', 'one execution');
    const runs = (await owner.api.get(`/runs?job_id=${id}`)).json.runs as Doc[];
    assert.equal(runs.length, 1);
    // Another key is another run.
    const other = await runNow(owner.api, id, '?wait=10', { 'Idempotency-Key': `${key}-2` });
    assert.notEqual(other.json.run_id, a.json.run_id);
  });

  it('cancel of a running run: the agent kills it and the run ends aborted with cancelled_by in under 2 s (latency printed)', async () => {
    const pidFile = path.join(work, 'sleeper.pid');
    const id = await job(`echo $$ > ${pidFile}; exec sleep 600`);
    const res = await runNow(owner.api, id);
    assert.equal(res.status, 202, res.text);
    const runId = res.json.run_id as string;
    await waitFor('the run to be running', 5000, async () => (await run(runId)).status === 'running' && fs.existsSync(pidFile));
    const t0 = Date.now();
    const cancel = await owner.api.post(`/runs/${runId}/cancel`);
    assert.equal(cancel.status, 202, cancel.text);
    assert.deepEqual(cancel.json.cancelled_by, { user_id: owner.userId, user_name: 'operator' });
    const ended = await waitFor('the run to end aborted', 5000, async () => {
      const r = await run(runId);
      return r.status === 'aborted' ? r : null;
    });
    const latency = Date.now() - t0;
    console.log(`      cancel latency (request to run aborted, agent polling every 60 s): ${latency} ms`);
    assert.ok(latency < 2000, `${latency} ms`);
    assert.deepEqual(ended.cancelled_by, { user_id: owner.userId, user_name: 'operator' });
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    await waitFor('the command to be gone', 5000, async () => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    });
    assert.equal((await owner.api.post(`/runs/${runId}/cancel`)).status, 409, 'an ended run cannot be cancelled');
  });

  it('cancel of a queued run (no agent for its client) ends it aborted at once', async () => {
    const id = await job('true', {}, 'host-without-agent');
    const res = await runNow(owner.api, id);
    assert.equal(res.status, 202);
    assert.equal(res.json.status, 'queued');
    assert.equal((await owner.api.get(`/jobs/${id}`)).json.job_schedule.run_now.run_id, res.json.run_id);
    const cancel = await owner.api.post(`/runs/${res.json.run_id as string}/cancel`);
    assert.equal(cancel.status, 202);
    assert.equal(cancel.json.status, 'aborted');
    assert.equal(cancel.json.cancelled_by.user_id, owner.userId);
  });

  it('isolation: another user, a reader and the agent token cannot run now or cancel', async () => {
    const id = await job('true', {}, 'host-without-agent');
    const queued = await runNow(owner.api, id);
    const runId = queued.json.run_id as string;
    assert.equal((await runNow(other.api, id)).status, 404);
    assert.equal((await other.api.post(`/runs/${runId}/cancel`)).status, 404);
    assert.equal((await runNow(reader.api, id)).status, 403);
    assert.equal((await reader.api.post(`/runs/${runId}/cancel`)).status, 403);
    assert.equal((await runNow(agentApi, id)).status, 403);
    assert.equal((await agentApi.post(`/runs/${runId}/cancel`)).status, 403);
    assert.equal((await run(runId)).status, 'queued', 'nothing changed the run');
    assert.equal(((await owner.api.get(`/runs?job_id=${id}`)).json.runs as Doc[]).length, 1, 'no other run was queued');
    await owner.api.post(`/runs/${runId}/cancel`);
  });

  it('bad input: 400 naming the problem, 404 for unknown jobs and runs', async () => {
    const id = await job('true', {}, 'host-without-agent');
    const cases: Array<[string, Record<string, string>, unknown, RegExp]> = [
      ['?wait=soon', {}, undefined, /'soon' does not match/],
      ['?wait=-1', {}, undefined, /'-1' does not match/],
      ['?wait=100000', {}, undefined, /at most 300 seconds/],
      ['?bogus=1', {}, undefined, /'bogus' was unexpected/],
      ['', { 'Idempotency-Key': 'k'.repeat(201) }, undefined, /Idempotency-Key/],
      ['', {}, { job_id: 'x' }, /takes no body/],
    ];
    for (const [query, headers, body, message] of cases) {
      const res = await runNow(owner.api, id, query, headers, body);
      assert.equal(res.status, 400, `${query} ${JSON.stringify(headers).slice(0, 40)}: ${res.text}`);
      assert.match(res.json.description, message);
    }
    assert.equal(((await owner.api.get(`/runs?job_id=${id}`)).json.runs as Doc[]).length, 0, 'no bad request queued a run');
    assert.equal((await runNow(owner.api, 'f'.repeat(32))).status, 404);
    assert.equal((await owner.api.post(`/runs/${'f'.repeat(32)}/cancel`)).status, 404);
    const queued = await runNow(owner.api, id);
    const bad = await owner.api.call('POST', `/runs/${queued.json.run_id as string}/cancel?now=1`);
    assert.equal(bad.status, 400, bad.text);
    assert.match(bad.json.description, /'now' was unexpected/);
  });
});
