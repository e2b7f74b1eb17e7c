import assert from 'node:assert/strict';
import { waitFor } from '../helpers/agent';
import { request } from '../helpers/http';
import {
  ADMIN_PASSWORD,
  adminToken,
  createProject,
  createTenant,
  JWT_ENV,
  login,
  passwordAuth,
  tokenApi,
  tokenFor,
  v3,
  type Tenant,
} from '../helpers/identity';
import { useServer } from '../helpers/server';

/**
 * The Keystone v3 subset Permafrost answers in jwt mode (issue 3): logins with the password,
 * token and application_credential methods, token validation and revocation, and the admin
 * calls for projects, users, roles and application credentials, in Keystone's shapes.
 */
describe('Keystone v3 subset (auth=jwt)', function () {
  this.timeout(60000);
  const server = useServer({ env: { ...JWT_ENV, PERMAFROST_ACCESS_LOG: '1', PERMAFROST_LOG_LEVEL: 'debug' } });
  /** Every secret the tests handle: none may ever appear in the server's logs. */
  const secrets = new Set<string>([ADMIN_PASSWORD]);
  let url: string;
  let admin: string;
  let projA: string;
  let projB: string;
  let alice: Tenant;

  before(async () => {
    url = server().url;
    admin = await adminToken(url);
    projA = await createProject(url, admin, 'projA');
    projB = await createProject(url, admin, 'projB');
    alice = await createTenant(url, admin, { projectId: projA, user: 'alice', role: 'member' });
    secrets.add(admin).add(alice.password).add(alice.token);
  });

  const unauthorizedShape = (res: { status: number; json: { error?: { code?: number } }; headers: Record<string, unknown> }) => {
    assert.equal(res.status, 401);
    assert.equal(res.json.error?.code, 401);
    assert.match(String(res.headers['www-authenticate']), /^Keystone uri="http:\/\/127\.0\.0\.1:\d+\/v3"$/);
  };

  it('GET /v3 answers the version document keystoneauth discovers', async () => {
    const res = await request(`${url}/v3`);
    assert.equal(res.status, 200);
    assert.equal(res.json.version.id, 'v3.14');
    assert.equal(res.json.version.links[0].href, `${url}/v3/`);
  });

  it('password login: token in X-Subject-Token, body with user, project, roles, expiry and a backup catalog entry', async () => {
    const res = await login(url, passwordAuth('alice', alice.password, { name: 'projA' }));
    assert.equal(res.status, 201, res.text);
    const token = res.headers['x-subject-token'] as string;
    secrets.add(token);
    const t = res.json.token;
    assert.deepEqual(t.methods, ['password']);
    assert.equal(t.user.id, alice.userId);
    assert.equal(t.user.name, 'alice');
    assert.deepEqual(t.project, { id: projA, name: 'projA', domain: { id: 'default', name: 'Default' } });
    assert.deepEqual(t.roles, [{ id: 'member', name: 'member' }]);
    const ttl = Date.parse(t.expires_at) - Date.parse(t.issued_at);
    assert.equal(ttl, 3600 * 1000);
    const backup = t.catalog.find((c: { type: string }) => c.type === 'backup');
    assert.equal(backup.endpoints[0].url, url);
    assert.equal((await tokenApi(url, projA, token).get('/jobs')).status, 200);
    // Authorization: Bearer works as well as X-Auth-Token.
    const bearer = await request(`${url}/v2/${projA}/jobs`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(bearer.status, 200);
    const noCatalog = await request(`${url}/v3/auth/tokens?nocatalog`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: { auth: passwordAuth('alice', alice.password, { id: projA }) } });
    assert.equal(noCatalog.status, 201);
    assert.equal(noCatalog.json.token.catalog, undefined);
  });

  it('every wrong credential is the same 401, naming no part; nothing for a project without a role', async () => {
    const cases = [
      passwordAuth('alice', 'wrong-password', { id: projA }),
      passwordAuth('nobody', 'whatever-pw', { id: projA }),
      passwordAuth('alice', alice.password, { id: projB }),
      passwordAuth('alice', alice.password, { id: 'no-such-project' }),
      { identity: { methods: ['password'], password: { user: { name: 'alice', domain: { name: 'Other' }, password: alice.password } } } },
      { identity: { methods: ['token'], token: { id: 'not-a-token' } } },
    ];
    const bodies = new Set<string>();
    for (const auth of cases) {
      const res = await login(url, auth);
      unauthorizedShape(res);
      assert.equal(res.headers['x-subject-token'], undefined);
      bodies.add(res.text);
    }
    assert.equal(bodies.size, 1, [...bodies].join('\n'));
  });

  it('bad login requests are 400 in Keystone shape, never 5xx', async () => {
    for (const body of ['{"auth": ', '[]', '{}', '{"auth": {"identity": {"methods": "password"}}}', '{"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "a"}}}}}']) {
      const res = await request(`${url}/v3/auth/tokens`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
      assert.equal(res.status, 400, body);
      assert.equal(res.json.error.code, 400, body);
    }
    const totp = await login(url, { identity: { methods: ['totp'], totp: {} } });
    assert.equal(totp.status, 401);
  });

  it('token method: re-scopes within the user\'s projects, never extends the expiry', async () => {
    const first = await login(url, passwordAuth('alice', alice.password, { id: projA }));
    const token = first.headers['x-subject-token'] as string;
    const again = await login(url, { identity: { methods: ['token'], token: { id: token } }, scope: { project: { id: projA } } });
    assert.equal(again.status, 201, again.text);
    assert.deepEqual(again.json.token.methods, ['token', 'password']);
    assert.ok(Date.parse(again.json.token.expires_at) <= Date.parse(first.json.token.expires_at));
    const elsewhere = await login(url, { identity: { methods: ['token'], token: { id: token } }, scope: { project: { id: projB } } });
    assert.equal(elsewhere.status, 401);
  });

  it('GET /v3/auth/tokens validates (self, admin); others 403; unknown 404; DELETE revokes at once', async () => {
    const bob = await createTenant(url, admin, { projectId: projA, user: 'bob', role: 'member' });
    secrets.add(bob.password).add(bob.token);
    const own = await request(`${url}/v3/auth/tokens`, { headers: { 'X-Auth-Token': bob.token, 'X-Subject-Token': bob.token } });
    assert.equal(own.status, 200);
    assert.equal(own.json.token.user.name, 'bob');
    assert.equal((await request(`${url}/v3/auth/tokens`, { headers: { 'X-Auth-Token': admin, 'X-Subject-Token': bob.token } })).status, 200);
    assert.equal((await request(`${url}/v3/auth/tokens`, { headers: { 'X-Auth-Token': alice.token, 'X-Subject-Token': bob.token } })).status, 403);
    const unknown = await request(`${url}/v3/auth/tokens`, { headers: { 'X-Auth-Token': admin, 'X-Subject-Token': 'x.y.z' } });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.error.code, 404);
    const second = await tokenFor(url, 'bob', bob.password, { id: projA });
    const del = await request(`${url}/v3/auth/tokens`, { method: 'DELETE', headers: { 'X-Auth-Token': bob.token, 'X-Subject-Token': bob.token } });
    assert.equal(del.status, 204);
    unauthorizedShape(await bob.api.get('/jobs'));
    assert.equal((await request(`${url}/v3/auth/tokens`, { headers: { 'X-Auth-Token': admin, 'X-Subject-Token': bob.token } })).status, 404);
    // Only that token: the user's other sessions go on.
    assert.equal((await tokenApi(url, projA, second).get('/jobs')).status, 200);
  });

  it('admin calls need the admin role; a user may read themselves', async () => {
    for (const [method, path] of [['GET', '/projects'], ['POST', '/projects'], ['GET', '/users'], ['POST', '/roles'], ['PUT', `/projects/${projA}/users/${alice.userId}/roles/admin`]]) {
      const res = await v3(url, alice.token, method, path, method === 'GET' ? undefined : { project: { name: 'x' } });
      assert.equal(res.status, 403, `${method} ${path}`);
      assert.equal(res.json.error.code, 403);
    }
    const me = await v3(url, alice.token, 'GET', `/users/${alice.userId}`);
    assert.equal(me.status, 200);
    assert.equal(me.json.user.name, 'alice');
    assert.equal(me.text.includes('scrypt'), false);
    assert.equal((await v3(url, alice.token, 'GET', `/users/${(await v3(url, admin, 'GET', '/users?name=admin')).json.users[0].id}`)).status, 403);
    unauthorizedShape(await v3(url, 'garbage', 'GET', '/projects'));
  });

  it('projects, users and roles: Keystone shapes, filters by name, 409 on duplicates, 404 on unknown ids', async () => {
    const dup = await v3(url, admin, 'POST', '/projects', { project: { name: 'projA' } });
    assert.equal(dup.status, 409);
    assert.equal(dup.json.error.title, 'Conflict');
    const byName = await v3(url, admin, 'GET', '/projects?name=projB');
    assert.deepEqual(byName.json.projects.map((p: { id: string }) => p.id), [projB]);
    assert.equal(byName.json.projects[0].domain_id, 'default');
    assert.equal((await v3(url, admin, 'GET', '/projects/nope')).status, 404);
    assert.equal((await v3(url, admin, 'POST', '/users', { user: { name: 'short', password: 'x' } })).status, 400);
    const users = await v3(url, admin, 'GET', '/users');
    assert.ok(users.json.users.some((u: { name: string }) => u.name === 'alice'));
    assert.equal(users.text.includes('password_hash'), false);
    const roles = await v3(url, admin, 'GET', '/roles');
    assert.deepEqual(roles.json.roles.map((r: { name: string }) => r.name).slice(0, 3), ['admin', 'member', 'reader']);
    const custom = await v3(url, admin, 'POST', '/roles', { role: { name: 'auditor' } });
    assert.equal(custom.status, 201);
    assert.equal((await v3(url, admin, 'DELETE', '/roles/member')).status, 409);
    const assignments = await v3(url, admin, 'GET', `/role_assignments?user.id=${alice.userId}`);
    assert.deepEqual(assignments.json.role_assignments.map((a: { scope: { project: { id: string } }; role: { id: string } }) => [a.scope.project.id, a.role.id]), [[projA, 'member']]);
    assert.equal((await v3(url, admin, 'GET', `/projects/${projA}/users/${alice.userId}/roles/member`)).status, 204);
    assert.equal((await v3(url, admin, 'GET', `/projects/${projB}/users/${alice.userId}/roles/member`)).status, 404);
  });

  it('disabling a user, removing a role or changing a password ends the user\'s tokens; a new login works', async () => {
    const carol = await createTenant(url, admin, { projectId: projA, user: 'carol', role: 'member' });
    secrets.add(carol.password).add(carol.token);
    const change = await v3(url, carol.token, 'POST', `/users/${carol.userId}/password`, { user: { original_password: carol.password, password: 'carol-new-password' } });
    assert.equal(change.status, 204, change.text);
    secrets.add('carol-new-password');
    unauthorizedShape(await carol.api.get('/jobs'));
    assert.equal((await login(url, passwordAuth('carol', carol.password, { id: projA }))).status, 401);
    const fresh = await tokenFor(url, 'carol', 'carol-new-password', { id: projA });
    assert.equal((await tokenApi(url, projA, fresh).get('/jobs')).status, 200);

    assert.equal((await v3(url, admin, 'DELETE', `/projects/${projA}/users/${carol.userId}/roles/member`)).status, 204);
    unauthorizedShape(await tokenApi(url, projA, fresh).get('/jobs'));
    assert.equal((await login(url, passwordAuth('carol', 'carol-new-password', { id: projA }))).status, 401);

    await v3(url, admin, 'PUT', `/projects/${projA}/users/${carol.userId}/roles/reader`);
    const reader = await tokenFor(url, 'carol', 'carol-new-password', { id: projA });
    assert.equal((await v3(url, admin, 'PATCH', `/users/${carol.userId}`, { user: { enabled: false } })).status, 200);
    unauthorizedShape(await tokenApi(url, projA, reader).get('/jobs'));
    assert.equal((await login(url, passwordAuth('carol', 'carol-new-password', { id: projA }))).status, 401);
  });

  it('application credentials: secret shown once, stored hashed, bound to the project, revocable, expiring', async () => {
    const created = await v3(url, alice.token, 'POST', `/users/${alice.userId}/application_credentials`, { application_credential: { name: 'ci' } });
    assert.equal(created.status, 201, created.text);
    const cred = created.json.application_credential;
    secrets.add(cred.secret);
    assert.equal(cred.project_id, projA);
    assert.deepEqual(cred.roles.map((r: { name: string }) => r.name), ['member']);
    const shown = await v3(url, alice.token, 'GET', `/users/${alice.userId}/application_credentials/${cred.id}`);
    assert.equal(shown.status, 200);
    assert.equal(shown.json.application_credential.secret, undefined);
    assert.equal(shown.text.includes(cred.secret), false);
    assert.equal(shown.text.includes('scrypt'), false);
    // Another user cannot see or use alice's credentials.
    assert.equal((await v3(url, admin, 'GET', `/users/${alice.userId}/application_credentials`)).status, 200);
    const byId = await login(url, { identity: { methods: ['application_credential'], application_credential: { id: cred.id, secret: cred.secret } } });
    assert.equal(byId.status, 201, byId.text);
    assert.equal(byId.json.token.project.id, projA);
    assert.deepEqual(byId.json.token.application_credential, { id: cred.id, restricted: true });
    const credToken = byId.headers['x-subject-token'] as string;
    secrets.add(credToken);
    const byName = await login(url, { identity: { methods: ['application_credential'], application_credential: { name: 'ci', user: { name: 'alice', domain: { id: 'default' } }, secret: cred.secret } } });
    assert.equal(byName.status, 201);
    const wrong = await login(url, { identity: { methods: ['application_credential'], application_credential: { id: cred.id, secret: 'not-the-secret' } } });
    assert.equal(wrong.status, 401);
    // It cannot be widened to another project.
    const widened = await login(url, { identity: { methods: ['application_credential'], application_credential: { id: cred.id, secret: cred.secret } }, scope: { project: { id: projB } } });
    assert.equal(widened.status, 403);
    assert.equal((await tokenApi(url, projA, credToken).get('/jobs')).status, 200);
    assert.equal((await v3(url, alice.token, 'DELETE', `/users/${alice.userId}/application_credentials/${cred.id}`)).status, 204);
    unauthorizedShape(await tokenApi(url, projA, credToken).get('/jobs'));
    assert.equal((await login(url, { identity: { methods: ['application_credential'], application_credential: { id: cred.id, secret: cred.secret } } })).status, 401);

    const past = await v3(url, alice.token, 'POST', `/users/${alice.userId}/application_credentials`, { application_credential: { name: 'old', expires_at: '2001-01-01T00:00:00Z' } });
    assert.equal(past.status, 400);
    // A lifetime long enough for the first login on a busy machine; the expiry is then observed
    // (the clock passes the expiry the server reports, and logins are refused), not assumed.
    const soon = await v3(url, alice.token, 'POST', `/users/${alice.userId}/application_credentials`, { application_credential: { name: 'brief', expires_at: new Date(Date.now() + 5000).toISOString() } });
    assert.equal(soon.status, 201, soon.text);
    secrets.add(soon.json.application_credential.secret);
    const auth = { identity: { methods: ['application_credential'], application_credential: { id: soon.json.application_credential.id, secret: soon.json.application_credential.secret } } };
    const early = await login(url, auth);
    assert.equal(early.status, 201);
    const expiresAt = Date.parse(soon.json.application_credential.expires_at);
    assert.ok(Date.parse(early.json.token.expires_at) <= expiresAt);
    // Nothing to poll before the expiry: the wait is for the clock itself.
    await new Promise((r) => setTimeout(r, Math.max(0, expiresAt - Date.now())));
    await waitFor('the expired credential to be refused', 10000, async () => (await login(url, auth)).status === 401);
  });

  it('an application credential with client_id gives tokens limited to that scheduler client', async () => {
    const created = await v3(url, alice.token, 'POST', `/users/${alice.userId}/application_credentials`, { application_credential: { name: 'agent-h1', client_id: 'h1' } });
    assert.equal(created.status, 201);
    const { id, secret } = created.json.application_credential;
    secrets.add(secret);
    const res = await login(url, { identity: { methods: ['application_credential'], application_credential: { id, secret } } });
    const agent = tokenApi(url, projA, res.headers['x-subject-token'] as string);
    assert.equal((await agent.post('/clients', { client_id: 'h1', hostname: 'h1' })).status, 201);
    assert.equal((await agent.post('/clients', { client_id: 'h2', hostname: 'h2' })).status, 403);
    assert.equal((await agent.get('/actions')).status, 403);
    // Re-scoping the token keeps the limit.
    const rescoped = await login(url, { identity: { methods: ['token'], token: { id: res.headers['x-subject-token'] } }, scope: { project: { id: projA } } });
    assert.equal(rescoped.status, 201);
    assert.equal((await tokenApi(url, projA, rescoped.headers['x-subject-token'] as string).get('/actions')).status, 403);
    // And it manages no identities.
    assert.equal((await v3(url, res.headers['x-subject-token'] as string, 'GET', `/users/${alice.userId}`)).status, 403);
  });

  it('never writes a password, secret or token to its logs (access and debug logs on)', () => {
    const logs = server().logs();
    assert.ok(logs.includes('"msg":"request"'), 'the access log is on');
    for (const secret of secrets) assert.equal(logs.includes(secret), false, `a secret reached the logs: ${secret.slice(0, 6)}...`);
  });
});
