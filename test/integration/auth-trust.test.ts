import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import jwt from 'jsonwebtoken';
import { request, type Response } from '../helpers/http';
import { adminToken, createProject, createTenant, JWT_ENV, login, passwordAuth, tokenApi, tokenFor, v3 } from '../helpers/identity';
import { useServer } from '../helpers/server';

/**
 * Issue 11 ("Trust"), identity items: application credentials that mint broader ones (4), the
 * password-change oracle (5), logout that leaves derived tokens alive (10), and project admins
 * acting as cloud admins (11). Everything over real HTTP against a real jwt-mode server.
 */
describe('trust: identity, application credentials, audit chains and admin scope (auth=jwt)', function () {
  this.timeout(120000);
  const server = useServer({ env: JWT_ENV });
  let url: string;
  let admin: string;
  let adminProject: string;
  let projA: string;
  let projB: string;

  before(async () => {
    url = server().url;
    admin = await adminToken(url);
    adminProject = (await v3(url, admin, 'GET', '/projects?name=admin')).json.projects[0].id as string;
    projA = await createProject(url, admin, 'trust-a');
    projB = await createProject(url, admin, 'trust-b');
  });

  const grant = async (project: string, user: string, role: string) => {
    const res = await v3(url, admin, 'PUT', `/projects/${project}/users/${user}/roles/${role}`);
    assert.equal(res.status, 204, res.text);
  };
  const createCredential = async (token: string, userId: string, body: Record<string, unknown>) => {
    const res = await v3(url, token, 'POST', `/users/${userId}/application_credentials`, { application_credential: body });
    assert.equal(res.status, 201, res.text);
    return res.json.application_credential as { id: string; secret: string; roles: Array<{ id: string; name: string }> };
  };
  const credentialLogin = (cred: { id: string; secret: string }) =>
    login(url, { identity: { methods: ['application_credential'], application_credential: { id: cred.id, secret: cred.secret } } });
  const tokenOf = (res: Response, what: string): string => {
    assert.equal(res.status, 201, `${what}: ${res.text}`);
    return res.headers['x-subject-token'] as string;
  };
  const derive = (token: string, project?: string | 'unscoped') =>
    login(url, { identity: { methods: ['token'], token: { id: token } }, ...(project === undefined ? {} : { scope: project === 'unscoped' ? 'unscoped' : { project: { id: project } } }) });
  const roleNames = (roles: Array<{ name: string }>) => roles.map((r) => r.name).sort();
  const logout = (caller: string, subject: string) => request(`${url}/v3/auth/tokens`, { method: 'DELETE', headers: { 'X-Auth-Token': caller, 'X-Subject-Token': subject } });
  const jobsStatus = async (token: string, project = projA) => (await tokenApi(url, project, token).get('/jobs')).status;

  it("trust 4: a restricted application credential's token cannot create or delete credentials; new credentials get at most the calling token's roles", async () => {
    const dave = await createTenant(url, admin, { projectId: projA, user: 't4-dave', role: 'member' });
    await grant(projA, dave.userId, 'reader');
    await grant(projB, dave.userId, 'admin');
    const full = await tokenFor(url, dave.userName, dave.password, { id: projA });
    const credentials = `/users/${dave.userId}/application_credentials`;

    const ro = await createCredential(full, dave.userId, { name: 'ro', roles: [{ name: 'reader' }] });
    assert.deepEqual(roleNames(ro.roles), ['reader']);
    const victim = await createCredential(full, dave.userId, { name: 'victim' });
    const roLogin = await credentialLogin(ro);
    const roToken = tokenOf(roLogin, 'ro login');
    assert.deepEqual(roleNames(roLogin.json.token.roles), ['reader']);
    const roDerived = tokenOf(await derive(roToken, projA), 'token method from the ro token');

    for (const [label, token] of [['ro token', roToken], ['token derived from it', roDerived]]) {
      // Whatever roles it asks for (none: "all of them", by name, by id), and deleting any credential.
      for (const body of [{ name: 'wide' }, { name: 'by-name', roles: [{ name: 'member' }] }, { name: 'by-id', roles: [{ id: 'member' }] }, { name: 'same', roles: [{ name: 'reader' }] }]) {
        const res = await v3(url, token, 'POST', credentials, { application_credential: body });
        assert.equal(res.status, 403, `${label} creating ${JSON.stringify(body)}: ${res.status} ${res.text}`);
      }
      for (const id of [victim.id, ro.id]) {
        const res = await v3(url, token, 'DELETE', `${credentials}/${id}`);
        assert.equal(res.status, 403, `${label} deleting a credential: ${res.status} ${res.text}`);
      }
      // Reading its own user's credentials stays allowed (as in Keystone).
      assert.equal((await v3(url, token, 'GET', credentials)).status, 200);
    }
    // Re-scoping cannot widen it either: not to a project where the user is admin, not unscoped.
    for (const scope of [projB, 'unscoped'] as const) {
      const res = await derive(roToken, scope);
      assert.ok(res.status === 401 || res.status === 403, `re-scoping the ro token to ${scope}: ${res.status} ${res.text}`);
    }

    // An unrestricted credential may create credentials, bounded by its own roles (never the user's).
    const un = await createCredential(full, dave.userId, { name: 'un', roles: [{ name: 'reader' }], unrestricted: true });
    const unToken = tokenOf(await credentialLogin(un), 'un login');
    const child = await createCredential(unToken, dave.userId, { name: 'child' });
    assert.deepEqual(roleNames(child.roles), ['reader'], 'a credential made from a reader-only token is reader-only');
    const childToken = await credentialLogin(child);
    assert.deepEqual(roleNames(childToken.json.token.roles), ['reader']);
    for (const roles of [[{ name: 'member' }], [{ id: 'member' }], [{ name: 'reader' }, { id: 'member' }], [{ name: 'admin' }]]) {
      const res = await v3(url, unToken, 'POST', credentials, { application_credential: { name: 'more', roles } });
      assert.equal(res.status, 403, `unrestricted reader token asking for ${JSON.stringify(roles)}: ${res.status} ${res.text}`);
    }
    const grandchild = await createCredential(tokenOf(await derive(unToken, projA), 'token method from un'), dave.userId, { name: 'grandchild' });
    assert.deepEqual(roleNames(grandchild.roles), ['reader']);

    // Nothing the refused calls asked for exists, and nothing was deleted.
    const names = (await v3(url, full, 'GET', credentials)).json.application_credentials.map((c: { name: string }) => c.name).sort();
    assert.deepEqual(names, ['child', 'grandchild', 'ro', 'un', 'victim']);
    assert.equal((await credentialLogin(ro)).status, 201);
  });

  it('trust 5: POST /v3/users/{id}/password needs a password-method token, and counts its failures with logins on one throttle', async () => {
    const erin = await createTenant(url, admin, { projectId: projA, user: 't5-erin', role: 'member' });
    const mallory = await createTenant(url, admin, { projectId: projA, user: 't5-mallory', role: 'member' });
    const change = (token: string, user: string, original: string, password = 'erin-new-password') =>
      v3(url, token, 'POST', `/users/${user}/password`, { user: { original_password: original, password } });

    const cred = await createCredential(erin.token, erin.userId, { name: 'c', unrestricted: true });
    const credToken = tokenOf(await credentialLogin(cred), 'credential login');
    const fromCred = tokenOf(await derive(credToken, projA), 'token method from the credential token');
    const refusals: Response[] = [];
    // The right original password, but a token that did not come from a password: refused.
    for (const token of [credToken, fromCred]) refusals.push(await change(token, erin.userId, erin.password));
    // Another user's id, and no token at all.
    refusals.push(await change(mallory.token, erin.userId, erin.password));
    refusals.push(await request(`${url}/v3/users/${erin.userId}/password`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: { user: { original_password: erin.password, password: 'erin-new-password' } } }));
    // A wrong guess with a proper token (the account's first failure).
    refusals.push(await change(erin.token, erin.userId, 'guess-number-1'));
    for (const res of refusals) assert.equal(res.status, 401, res.text);
    assert.equal(new Set(refusals.map((r) => r.text)).size, 1, `every failure answers the same: ${refusals.map((r) => r.text).join(' | ')}`);
    // Nothing changed: the old password still logs in (which clears the account's failures).
    const right = tokenOf(await login(url, passwordAuth(erin.userName, erin.password, { id: projA })), 'old password');
    // A password token, or one derived from it, does change the password.
    const derived = tokenOf(await derive(right, projA), 'token method from a password token');
    assert.equal((await change(derived, erin.userId, erin.password, 'erin-new-password')).status, 204);
    const fresh = await tokenFor(url, erin.userName, 'erin-new-password', { id: projA });

    // One counter for both doors: three failures at each, alternating (the first 3 failures are free,
    // then each waits 250 ms, doubling).
    for (let i = 0; i < 3; i++) {
      assert.equal((await change(fresh, erin.userId, `guess-a-${i}`)).status, 401);
      assert.equal((await login(url, passwordAuth(erin.userName, `guess-b-${i}`, { id: projA }))).status, 401);
    }
    // After 6 failures the next guess at /password waits 250 * 2^3 = 2000 ms before it is checked
    // (with separate counters it would be 250 ms; unthrottled, one scrypt check).
    const start = Date.now();
    assert.equal((await change(fresh, erin.userId, 'guess-c')).status, 401);
    const guessMs = Date.now() - start;
    assert.ok(guessMs >= 1975, `a password-change guess after 6 failures (3 of them logins) took ${guessMs} ms, expected at least 2000`);
  });

  it('trust 10: logging out a token revokes every token derived from it (its audit chain); tokens without the chain claim still verify', async () => {
    const fay = await createTenant(url, admin, { projectId: projA, user: 't10-fay', role: 'member' });
    const root = await tokenFor(url, fay.userName, fay.password, { id: projA });
    const rootBody = await login(url, passwordAuth(fay.userName, fay.password, { id: projA }));
    const sibling = tokenOf(rootBody, 'second login');
    const child = tokenOf(await derive(root, projA), 'child');
    const grandchild = tokenOf(await derive(child, projA), 'grandchild');
    const childBody = await request(`${url}/v3/auth/tokens`, { headers: { 'X-Auth-Token': admin, 'X-Subject-Token': grandchild } });
    assert.equal(childBody.status, 200);
    for (const t of [root, child, grandchild, sibling]) assert.equal(await jobsStatus(t), 200);

    assert.equal((await logout(root, root)).status, 204);
    for (const [name, t] of [['root', root], ['child', child], ['grandchild', grandchild]]) {
      assert.equal(await jobsStatus(t), 401, `${name} after logging out the root`);
      const check = await request(`${url}/v3/auth/tokens`, { headers: { 'X-Auth-Token': admin, 'X-Subject-Token': t } });
      assert.equal(check.status, 404, `${name} validated after logout`);
      assert.equal((await derive(t, projA)).status, 401, `deriving from ${name} after logout`);
    }
    // Another login is another chain.
    assert.equal(await jobsStatus(sibling), 200);
    // Logging out a derived token ends its whole chain, the token it came from included.
    const siblingChild = tokenOf(await derive(sibling, projA), 'sibling child');
    assert.equal((await logout(siblingChild, siblingChild)).status, 204);
    assert.equal(await jobsStatus(siblingChild), 401);
    assert.equal(await jobsStatus(sibling), 401);

    // A token minted before chains existed (no chain claim) still verifies, and its logout still
    // reaches the tokens derived from it.
    const secret = fs.readFileSync(path.join(server().dataDir, 'jwt-secret'));
    const fresh = await tokenFor(url, fay.userName, fay.password, { id: projA });
    const payload = JSON.parse(Buffer.from(fresh.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;
    for (const key of Object.keys(payload)) {
      if (!['sub', 'name', 'project', 'project_name', 'roles', 'methods', 'jti', 'iat', 'iat_ms', 'exp', 'nbf', 'iss', 'aud'].includes(key)) delete payload[key];
    }
    payload.jti = crypto.randomBytes(16).toString('base64url');
    const legacy = jwt.sign(payload, secret, { algorithm: 'HS256' });
    assert.equal(await jobsStatus(legacy), 200, 'a token without the chain claim verifies');
    const legacyChild = tokenOf(await derive(legacy, projA), 'child of a legacy token');
    assert.equal((await logout(legacy, legacy)).status, 204);
    assert.equal(await jobsStatus(legacy), 401);
    assert.equal(await jobsStatus(legacyChild), 401, 'the child of a logged-out legacy token');
    assert.equal(await jobsStatus(fresh), 200, 'the legacy token was forged from this one; it is a different chain');
  });

  it('trust 11: admin on a project manages that project only; identity administration and other projects need admin on the admin project', async () => {
    // A project of its own, so its member list is exactly what this test puts there.
    const projC = await createProject(url, admin, 'trust-c');
    const gus = await createTenant(url, admin, { projectId: projC, user: 't11-gus', role: 'admin' });
    const hana = await createTenant(url, admin, { projectId: projA, user: 't11-hana', role: 'member' });
    const ivanRes = await v3(url, admin, 'POST', '/users', { user: { name: 't11-ivan', password: 'ivan-password' } });
    assert.equal(ivanRes.status, 201);
    const ivan = ivanRes.json.user.id as string;
    const job = await hana.api.post('/jobs', { client_id: 'hana-host', description: 'hana-secret-job', job_actions: [{ freezer_action: { action: 'backup' } }] });
    assert.equal(job.status, 201, job.text);
    const custom = await v3(url, admin, 'POST', '/roles', { role: { name: 't11-service' } });
    assert.equal(custom.status, 201);
    const customRole = custom.json.role.id as string;

    // Identity administration, other projects and other users: 403 for the admin of project C.
    const denied: Array<[string, string, unknown?]> = [
      ['GET', '/users'],
      ['POST', '/users', { user: { name: 't11-new', password: 'new-password' } }],
      ['PATCH', `/users/${hana.userId}`, { user: { enabled: false } }],
      ['GET', `/users/${hana.userId}`],
      ['GET', `/users/${hana.userId}/projects`],
      ['GET', `/users/${hana.userId}/application_credentials`],
      ['GET', '/projects'],
      ['POST', '/projects', { project: { name: 't11-new' } }],
      ['GET', `/projects/${projA}`],
      ['PATCH', `/projects/${projA}`, { project: { enabled: false } }],
      ['DELETE', `/projects/${projA}`],
      ['POST', '/roles', { role: { name: 't11-new' } }],
      ['GET', '/role_assignments'],
      ['GET', `/role_assignments?scope.project.id=${projA}`],
      ['PUT', `/projects/${adminProject}/users/${gus.userId}/roles/admin`],
      ['PUT', `/projects/${projA}/users/${gus.userId}/roles/member`],
      ['PUT', `/projects/${projA}/users/${ivan}/roles/member`],
      ['GET', `/projects/${projA}/users/${hana.userId}/roles`],
      ['DELETE', `/projects/${projA}/users/${hana.userId}/roles/member`],
      ['PUT', `/projects/${projC}/users/${ivan}/roles/${customRole}`],
    ];
    for (const [method, p, body] of denied) {
      const res = await v3(url, gus.token, method, p, body);
      assert.equal(res.status, 403, `project admin ${method} ${p}: ${res.status} ${res.text}`);
    }
    // Other users' tokens are not a project admin's to inspect or revoke.
    for (const method of ['GET', 'DELETE']) {
      const res = await request(`${url}/v3/auth/tokens`, { method, headers: { 'X-Auth-Token': gus.token, 'X-Subject-Token': hana.token } });
      assert.equal(res.status, 403, `project admin ${method} another user's token: ${res.text}`);
    }
    // Nor is project A's data (v2 URLs of another project).
    const intoA = tokenApi(url, projA, gus.token);
    assert.equal((await intoA.get('/jobs')).status, 403);
    assert.equal((await intoA.get(`/jobs/${job.json.job_id}`)).status, 403);
    assert.equal((await intoA.post('/jobs', { client_id: 'gus-host', job_actions: [{ freezer_action: { action: 'backup' } }] })).status, 403);

    // Their own project they manage: members, their roles, the project itself.
    assert.equal((await v3(url, gus.token, 'PUT', `/projects/${projC}/users/${ivan}/roles/member`)).status, 204);
    assert.equal((await v3(url, gus.token, 'HEAD', `/projects/${projC}/users/${ivan}/roles/member`)).status, 204);
    const roles = await v3(url, gus.token, 'GET', `/projects/${projC}/users/${ivan}/roles`);
    assert.equal(roles.status, 200, roles.text);
    assert.deepEqual(roles.json.roles.map((r: { name: string }) => r.name), ['member']);
    const members = await v3(url, gus.token, 'GET', `/role_assignments?scope.project.id=${projC}`);
    assert.equal(members.status, 200, members.text);
    assert.deepEqual(new Set(members.json.role_assignments.map((a: { user: { id: string } }) => a.user.id)), new Set([gus.userId, ivan]));
    assert.equal((await v3(url, gus.token, 'GET', `/projects/${projC}`)).status, 200);
    assert.equal((await v3(url, gus.token, 'DELETE', `/projects/${projC}/users/${ivan}/roles/member`)).status, 204);
    assert.equal((await tokenApi(url, projC, gus.token).get('/jobs')).status, 200);

    // Nothing stuck: gus holds admin on B only, hana still has her role and her job.
    const gusRoles = await v3(url, admin, 'GET', `/role_assignments?user.id=${gus.userId}`);
    assert.deepEqual(gusRoles.json.role_assignments.map((a: { scope: { project: { id: string } }; role: { id: string } }) => [a.scope.project.id, a.role.id]), [[projC, 'admin']]);
    assert.equal((await hana.api.get(`/jobs/${job.json.job_id}`)).status, 200);

    // The cloud admin (admin on the admin project) still does all of it.
    assert.equal((await v3(url, admin, 'GET', '/users')).status, 200);
    assert.equal((await v3(url, admin, 'GET', `/role_assignments?scope.project.id=${projA}`)).status, 200);
    assert.equal((await tokenApi(url, projA, admin).get('/jobs')).status, 200);
    assert.equal((await request(`${url}/v3/auth/tokens`, { headers: { 'X-Auth-Token': admin, 'X-Subject-Token': hana.token } })).status, 200);
  });
});

