import assert from 'node:assert/strict';
import { startAgent, waitFor, type RunningAgent } from '../helpers/agent';
import type { Api } from '../helpers/http';
import { adminToken, createProject, createTenant, JWT_ENV, v3 } from '../helpers/identity';
import { startServer, type RunningServer } from '../helpers/server';

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Permafrost's agent on the wait-for-change channel (issue 12, item 3): with a 60 s poll interval
 * a new job and a changed job reach it in under 2 s, because it long-polls
 * GET /clients/{client_id}/changes and polls its jobs when they change. The agent logs in with an
 * application credential limited to its client, as deployed.
 */
describe('agent: jobs reach it through the wait-for-change channel (60 s poll interval)', function () {
  this.timeout(60000);
  let server: RunningServer;
  let agent: RunningAgent;
  let owner: Api;
  const clientId = 'host-feed';

  before(async () => {
    server = await startServer({ env: JWT_ENV });
    const admin = await adminToken(server.url);
    const projectId = await createProject(server.url, admin, 'feed');
    const tenant = await createTenant(server.url, admin, { projectId, user: 'operator', role: 'member' });
    owner = tenant.api;
    const cred = await v3(server.url, tenant.token, 'POST', `/users/${tenant.userId}/application_credentials`, { application_credential: { name: 'agent', client_id: clientId } });
    const { id, secret } = cred.json.application_credential as { id: string; secret: string };
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
    // Past the agent's first polls, so what follows can only come through the channel.
    await new Promise((r) => setTimeout(r, 500));
  });
  after(async function () {
    if (this.currentTest?.state === 'failed' || process.env.AGENT_TEST_LOGS) console.log(agent?.logs().slice(-4000));
    await agent?.stop();
    await server?.stop();
  });

  const schedule = async (id: string): Promise<Doc> => ((await owner.get(`/jobs/${id}`)).json as Doc).job_schedule as Doc;

  it('a new job is scheduled by the agent in under 2 s, a stop event handled in under 2 s (latencies printed)', async () => {
    const t0 = Date.now();
    const created = await owner.post('/jobs', {
      client_id: clientId,
      description: 'daily',
      job_schedule: { schedule_interval: '1 days', schedule_start_date: '2099-01-01T00:00:00' },
      job_actions: [{ freezer_action: { action: 'exec', command: '/bin/true' }, max_retries: 0 }],
    });
    assert.equal(created.status, 201, created.text);
    const id = created.json.job_id as string;
    await waitFor('the agent to schedule the new job', 5000, async () => (await schedule(id)).status === 'scheduled');
    const seen = Date.now() - t0;
    console.log(`      new job reached the agent (status scheduled) in ${seen} ms`);
    assert.ok(seen < 2000, `${seen} ms`);

    const t1 = Date.now();
    assert.equal((await owner.post(`/jobs/${id}/event`, { stop: null })).status, 202);
    await waitFor('the agent to stop the job', 5000, async () => {
      const s = await schedule(id);
      return s.status === 'stop' && s.event === '';
    });
    const stopped = Date.now() - t1;
    console.log(`      stop event reached the agent (status stop) in ${stopped} ms`);
    assert.ok(stopped < 2000, `${stopped} ms`);
  });

  it('a changed job (start event on a stopped job) reaches the agent in under 2 s, and runs', async () => {
    const created = await owner.post('/jobs', {
      client_id: clientId,
      description: 'held',
      job_schedule: { status: 'stop' },
      job_actions: [{ freezer_action: { action: 'exec', command: '/bin/true' }, max_retries: 0 }],
    });
    const id = created.json.job_id as string;
    // Time for the agent to fetch the stopped job first, so the start event is a change to a job it
    // holds. Nothing to wait on (on the channel the agent sends no PATCH for a job created stopped);
    // if it were late, the job would be new with its start event, and the test would still hold.
    await new Promise((r) => setTimeout(r, 1000));
    const t0 = Date.now();
    assert.equal((await owner.post(`/jobs/${id}/event`, { start: null })).status, 202);
    await waitFor('the agent to schedule the started job', 5000, async () => (await schedule(id)).status === 'scheduled');
    const seen = Date.now() - t0;
    console.log(`      start event reached the agent (status scheduled) in ${seen} ms`);
    assert.ok(seen < 2000, `${seen} ms`);
    // A job without a schedule runs once, 2 s after it is scheduled (the stock scheduler's "soon").
    await waitFor('the agent to run the started job', 10000, async () => (await schedule(id)).result === 'success');
  });
});
