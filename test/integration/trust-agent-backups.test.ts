import assert from 'node:assert/strict';
import { adminToken, createProject, createTenant, JWT_ENV, login, tokenApi, v3, type Tenant } from '../helpers/identity';
import type { Api } from '../helpers/http';
import { useServer } from '../helpers/server';

/**
 * An agent's token (an application credential limited to one client) posts backup metadata for
 * its own host only: the hostname its client registered, its own client_id and jobs.
 */
describe('trust 13: a client-limited token posts backups of its own host only (auth=jwt)', function () {
  this.timeout(60000);
  const server = useServer({ env: JWT_ENV });
  let owner: Tenant;
  let agent: Record<'v1' | 'v2', Api>;
  let jobX: string;
  let jobY: string;

  before(async () => {
    const url = server().url;
    const admin = await adminToken(url);
    const project = await createProject(url, admin, 'agents');
    owner = await createTenant(url, admin, { projectId: project, user: 'ops', role: 'member' });
    const cred = await v3(url, owner.token, 'POST', `/users/${owner.userId}/application_credentials`, { application_credential: { name: 'x', client_id: 'hostx' } });
    assert.equal(cred.status, 201, cred.text);
    const { id, secret } = cred.json.application_credential as { id: string; secret: string };
    const token = (await login(url, { identity: { methods: ['application_credential'], application_credential: { id, secret } } })).headers['x-subject-token'] as string;
    agent = { v1: tokenApi(url, null, token), v2: tokenApi(url, project, token) };
    const job = async (client: string) => (await owner.api.post('/jobs', { client_id: client, job_actions: [{ freezer_action: { action: 'backup' } }] })).json.job_id as string;
    jobX = await job('hostx');
    jobY = await job('hosty');
    // hosty is registered by its owner; hostx is not registered yet.
    assert.equal((await owner.api.post('/clients', { client_id: 'hosty', hostname: 'hosty.example' })).status, 201);
  });

  const metadata = (extra: Record<string, unknown>) => ({ container: '/backups', backup_name: 'srv', ...extra });

  it('trust 13: before its client is registered, and for another host, client_id or job: 403 naming the reason, nothing stored', async () => {
    const unregistered = await agent.v2.post('/backups', metadata({ hostname: 'hostx.example' }));
    assert.equal(unregistered.status, 403, unregistered.text);
    assert.match(unregistered.json.description, /limited to client 'hostx', which is not registered/);
    assert.equal((await agent.v2.post('/clients', { client_id: 'hostx', hostname: 'hostx.example' })).status, 201);
    const refused: Array<[Record<string, unknown>, RegExp]> = [
      [{ hostname: 'hosty.example' }, /its host 'hostx\.example' only, not of 'hosty\.example'/],
      [{ hostname: 'hostx.example', client_id: 'hosty' }, /client_id 'hosty'/],
      [{ hostname: 'hostx.example', job_id: jobY }, /is not one of its jobs/],
    ];
    for (const version of ['v2', 'v1'] as const) {
      for (const [extra, message] of refused) {
        const res = await agent[version].post('/backups', metadata(extra));
        assert.equal(res.status, 403, `${version} ${JSON.stringify(extra)}: ${res.text}`);
        assert.match(res.json.description, message);
      }
    }
    assert.deepEqual((await owner.api.get('/backups')).json.backups, [], 'nothing was stored');
  });

  it('control: its own host, with its client_id and its job_id (what the agents post): 201; the owner still posts for any host', async () => {
    for (const version of ['v2', 'v1'] as const) {
      const res = await agent[version].post('/backups', metadata({ hostname: 'hostx.example', client_id: 'hostx', job_id: jobX, curr_backup_level: 0 }));
      assert.equal(res.status, 201, `${version}: ${res.text}`);
    }
    assert.equal((await owner.api.post('/backups', metadata({ hostname: 'hosty.example', job_id: jobY }))).status, 201);
    // The v1 one is project-less, as v1 documents are: v2 lists the other two.
    assert.equal((await owner.api.get('/backups')).json.backups.length, 2);
  });
});
