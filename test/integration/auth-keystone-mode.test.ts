import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { waitFor } from '../helpers/agent';
import { Api, request } from '../helpers/http';
import { adminToken, createProject, createTenant, JWT_ENV, tokenApi, tokenFor, v3 } from '../helpers/identity';
import { type FakeKeystone, startFakeKeystone } from '../helpers/fake-keystone';
import { startServer, type RunningServer } from '../helpers/server';
import { compatDir } from '../helpers/shared-dir';

const FAKE_KEYSTONE = path.join(compatDir(), 'lib/fake_keystone.py');

/**
 * auth=keystone: tokens are validated by an external Keystone with the service's own token. The
 * stand-in Keystone is a second Permafrost in jwt mode (its /v3 is the real Keystone subset:
 * password login, GET /v3/auth/tokens with X-Auth-Token + X-Subject-Token, revocation).
 */
describe('auth=keystone against an external identity service', function () {
  this.timeout(60000);
  let keystone: RunningServer;
  let api: RunningServer;
  let projA: string;
  let projB: string;
  let aliceToken: string;
  /** Admin tokens: of the bootstrap `admin` project, of `ops` (the configured admin project), of project B. */
  const admins = { bootstrap: '', ops: '', projB: '' };

  before(async () => {
    keystone = await startServer({ env: JWT_ENV });
    const admin = await adminToken(keystone.url);
    projA = await createProject(keystone.url, admin, 'projA');
    projB = await createProject(keystone.url, admin, 'projB');
    const service = await createProject(keystone.url, admin, 'service');
    assert.equal((await v3(keystone.url, admin, 'POST', '/roles', { role: { name: 'service' } })).status, 201);
    const svc = await createTenant(keystone.url, admin, { projectId: service, user: 'permafrost-svc', role: 'member' });
    const serviceRole = (await v3(keystone.url, admin, 'GET', '/roles?name=service')).json.roles[0].id;
    assert.equal((await v3(keystone.url, admin, 'PUT', `/projects/${service}/users/${svc.userId}/roles/${serviceRole}`)).status, 204);
    const alice = await createTenant(keystone.url, admin, { projectId: projA, user: 'alice', role: 'member' });
    aliceToken = alice.token;
    admins.bootstrap = admin;
    const ops = await createProject(keystone.url, admin, 'ops');
    admins.ops = (await createTenant(keystone.url, admin, { projectId: ops, user: 'ops-admin', role: 'admin' })).token;
    admins.projB = (await createTenant(keystone.url, admin, { projectId: projB, user: 'b-admin', role: 'admin' })).token;
    api = await startServer({
      env: {
        PERMAFROST_AUTH: 'keystone',
        PERMAFROST_KEYSTONE_URL: `${keystone.url}/v3`,
        PERMAFROST_KEYSTONE_USERNAME: 'permafrost-svc',
        PERMAFROST_KEYSTONE_PASSWORD: svc.password,
        PERMAFROST_KEYSTONE_PROJECT: 'service',
        PERMAFROST_KEYSTONE_CACHE_TTL_S: '1',
        PERMAFROST_CLOUD_ADMIN_PROJECT: 'ops',
      },
    });
  });
  after(async () => {
    await api?.stop();
    await keystone?.stop();
  });

  it('serves a valid token with the identity Keystone vouches for', async () => {
    const alice = tokenApi(api.url, projA, aliceToken);
    const created = await alice.post('/jobs', { client_id: 'h1', description: 'via keystone', job_actions: [{ freezer_action: { action: 'backup' } }] });
    assert.equal(created.status, 201, created.text);
    const job = await alice.get(`/jobs/${created.json.job_id}`);
    assert.equal(job.json.project_id, projA);
    const keystoneUserId = (await request(`${keystone.url}/v3/auth/tokens`, { headers: { 'X-Auth-Token': aliceToken, 'X-Subject-Token': aliceToken } })).json.token.user.id;
    assert.equal(job.json.user_id, keystoneUserId);
  });

  it('refuses no token, an unknown token, and another project (403)', async () => {
    for (const headers of [{}, { 'X-Auth-Token': 'not-a-token' }] as Array<Record<string, string>>) {
      const res = await request(`${api.url}/v2/${projA}/jobs`, { headers });
      assert.equal(res.status, 401);
      assert.match(String(res.headers['www-authenticate']), /^Keystone uri=/);
    }
    assert.equal((await tokenApi(api.url, projB, aliceToken).get('/jobs')).status, 403);
  });

  it("trust 11: only admin on the configured admin project (here `ops`) may use another project's v2 URLs", async () => {
    for (const [who, token] of [['admin of project B', admins.projB], ['admin of `admin`, not the configured project', admins.bootstrap]]) {
      const res = await tokenApi(api.url, projA, token).get('/jobs');
      assert.equal(res.status, 403, `${who} on /v2/<project A>: ${res.status} ${res.text}`);
    }
    const ops = await tokenApi(api.url, projA, admins.ops).get('/jobs');
    assert.equal(ops.status, 200, ops.text);
    // Each admin still works in their own project.
    assert.equal((await tokenApi(api.url, projB, admins.projB).get('/jobs')).status, 200);
  });

  it('a token revoked at Keystone stops working once the bounded cache entry expires', async () => {
    const token = await tokenFor(keystone.url, 'alice', 'alice-password', { id: projA });
    assert.equal((await tokenApi(api.url, projA, token).get('/jobs')).status, 200);
    const del = await request(`${keystone.url}/v3/auth/tokens`, { method: 'DELETE', headers: { 'X-Auth-Token': token, 'X-Subject-Token': token } });
    assert.equal(del.status, 204);
    // The cache entry lives keystone.cache_ttl_s (1 s here): polled until refused, so a busy
    // machine only makes this slower. A cache that never expired (or that each hit renewed)
    // would keep answering 200 until the deadline.
    await waitFor('the revoked token to be refused', 15000, async () => (await tokenApi(api.url, projA, token).get('/jobs')).status === 401);
  });

  it("trust 6: through /v1 a token reaches its own project's documents only (roles elsewhere are unknown here)", async () => {
    const admin = await adminToken(keystone.url);
    const aliceId = (await v3(keystone.url, admin, 'GET', '/users?name=alice')).json.users[0].id as string;
    assert.equal((await v3(keystone.url, admin, 'PUT', `/projects/${projB}/users/${aliceId}/roles/member`)).status, 204);
    const inB = tokenApi(api.url, projB, await tokenFor(keystone.url, 'alice', 'alice-password', { id: projB }));
    const jobB = (await inB.post('/jobs', { client_id: 'hb', description: 'in B', job_actions: [{ freezer_action: { action: 'backup' } }] })).json.job_id as string;
    const v1 = tokenApi(api.url, null, await tokenFor(keystone.url, 'alice', 'alice-password', { id: projA }));
    assert.equal((await v1.get(`/jobs/${jobB}`)).status, 404);
    assert.equal((await v1.patch(`/jobs/${jobB}`, { description: 'x' })).status, 404);
    assert.equal((await v1.post(`/jobs/${jobB}/event`, { start: null })).status, 404);
    const listed = (await v1.get('/jobs?limit=100')).json.jobs as Array<{ job_id: string; project_id: string }>;
    assert.ok(listed.length > 0 && listed.every((j) => j.project_id === projA), JSON.stringify(listed));
    assert.equal((await inB.get(`/jobs/${jobB}`)).json.description, 'in B', 'unchanged, and v2 in B still works');
  });

  it('Keystone down: 503 with a clear message, never a hang or a 500', async () => {
    const fresh = await tokenFor(keystone.url, 'alice', 'alice-password', { id: projA });
    await keystone.stop();
    const res = await tokenApi(api.url, projA, fresh).get('/jobs');
    assert.equal(res.status, 503);
    assert.match(res.json.description, /identity service is unavailable/);
  });
});

describe('auth=keystone against shared/compat fake_keystone.py (tokens validate themselves)', function () {
  this.timeout(30000);
  let fake: FakeKeystone | null = null;
  let fakeUrl = '';
  let api: RunningServer | null = null;

  before(async function () {
    if (!fs.existsSync(FAKE_KEYSTONE) || !fs.existsSync('/usr/bin/python3')) {
      console.log(`      SKIPPED: ${FAKE_KEYSTONE} or /usr/bin/python3 not found`);
      this.skip();
    }
    fake = await startFakeKeystone();
    fakeUrl = fake.url;
    api = await startServer({ env: { PERMAFROST_AUTH: 'keystone', PERMAFROST_KEYSTONE_URL: fakeUrl } });
  });
  after(async () => {
    await api?.stop();
    fake?.stop();
  });

  it('maps the validated token to user, project and roles', async () => {
    const login = await request(`${fakeUrl}/v3/auth/tokens`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: { auth: { identity: { methods: ['password'], password: { user: { name: 'zoe', password: 'x' } } }, scope: { project: { id: 'pz' } } } },
    });
    const token = login.headers['x-subject-token'] as string;
    const zoe = new Api((api as RunningServer).url, '/v2/pz', { 'X-Auth-Token': token });
    const created = await zoe.post('/clients', { client_id: 'pz_host', hostname: 'h' });
    assert.equal(created.status, 201, created.text);
    const client = await zoe.get('/clients/pz_host');
    assert.equal(client.json.user_id, 'zoe');
    assert.equal(client.json.project_id, 'pz');
    assert.equal((await new Api((api as RunningServer).url, '/v2/other', { 'X-Auth-Token': token }).get('/clients')).status, 403);
  });
});
