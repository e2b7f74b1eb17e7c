import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { waitFor } from '../helpers/agent';
import { request } from '../helpers/http';
import { login, passwordAuth, tokenApi, tokenFor } from '../helpers/identity';
import { startServer } from '../helpers/server';

const ENTRY = path.resolve(__dirname, '../../src/bin/permafrost.js');
const cleanEnv = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PERMAFROST_')));

/** `permafrost project|user|role|credential|token ...`: identity administration from a shell. */
describe('permafrost identity subcommands', function () {
  this.timeout(60000);
  let dataDir: string;
  const cli = (args: string[], input?: string) => {
    const run = spawnSync(process.execPath, [ENTRY, ...args, '--data-dir', dataDir], { encoding: 'utf8', input, env: cleanEnv() });
    return { status: run.status, stdout: run.stdout, stderr: run.stderr };
  };
  const ok = (args: string[], input?: string) => {
    const run = cli(args, input);
    assert.equal(run.status, 0, `${args.join(' ')}: ${run.stderr}`);
    return run.stdout;
  };

  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-cli-'));
    // These commands never create a deployment: `db sync` sets one up (database and signing key).
    ok(['db', 'sync']);
  });
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('creates projects, users, grants, credentials and tokens that a server on the same data then honours', async () => {
    const project = JSON.parse(ok(['project', 'create', 'ops', '--json']));
    assert.match(project.id, /^[0-9a-f]{32}$/);
    ok(['user', 'create', 'olga', '--password-stdin'], 'olga-password\n');
    assert.match(ok(['role', 'grant', 'member', '--user', 'olga', '--project', 'ops']), /user=olga project=ops role=member/);
    const cred = JSON.parse(ok(['credential', 'create', 'agent', '--user', 'olga', '--project', 'ops', '--client-id', 'ops_host1', '--json']));
    assert.equal(cred.client_id, 'ops_host1');
    assert.ok(cred.secret.length >= 32);
    assert.equal(ok(['credential', 'list', '--user', 'olga']).includes(cred.secret), false);
    const token = ok(['token', 'issue', '--user', 'olga', '--project', 'ops', '--ttl', '600']).trim();
    assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);

    const server = await startServer({ dataDir, env: { PERMAFROST_AUTH: 'jwt' } });
    try {
      assert.equal((await tokenApi(server.url, project.id, token).get('/jobs')).status, 200);
      assert.equal((await tokenApi(server.url, 'another', token).get('/jobs')).status, 403);
      await tokenFor(server.url, 'olga', 'olga-password', { name: 'ops' });
      const agent = await login(server.url, { identity: { methods: ['application_credential'], application_credential: { id: cred.id, secret: cred.secret } } });
      assert.equal(agent.status, 201);
      const agentApi = tokenApi(server.url, project.id, agent.headers['x-subject-token'] as string);
      assert.equal((await agentApi.post('/clients', { client_id: 'ops_host2', hostname: 'h' })).status, 403);
      assert.equal((await agentApi.post('/clients', { client_id: 'ops_host1', hostname: 'h' })).status, 201);
      // Revoking from the shell takes effect on the running server once it refreshes (about every
      // second): polled until refused, so a slow refresh on a busy machine is waited for.
      ok(['credential', 'revoke', cred.id, '--user', 'olga']);
      await waitFor('the revoked credential to be refused', 15000, async () => (await agentApi.get('/jobs')).status === 401);
      assert.equal((await tokenApi(server.url, project.id, token).get('/jobs')).status, 200, 'the user token is untouched by the credential revocation');
      ok(['role', 'revoke', 'member', '--user', 'olga', '--project', 'ops']);
      await waitFor('the token without a role to be refused', 15000, async () => (await tokenApi(server.url, project.id, token).get('/jobs')).status === 401);
    } finally {
      await server.stop();
    }
  });

  it('answers mistakes with one clear line and exit status 1', () => {
    ok(['project', 'create', 'ops']);
    const cases: Array<[string[], RegExp, string?]> = [
      [['user', 'create', 'x'], /exactly one of --password-stdin/],
      [['user', 'create', 'x', '--password-stdin'], /at least 8 characters/, 'short\n'],
      [['role', 'grant', 'member', '--user', 'nobody', '--project', 'ops'], /Could not find user: nobody\./],
      [['role', 'grant', 'member', '--user', 'nobody'], /required option '--project <project>'/],
      [['project', 'create', 'ops'], /Duplicate entry found with name ops/],
      [['credential', 'revoke', 'nope', '--user', 'admin'], /Could not find user: admin\./],
    ];
    for (const [args, message, input] of cases) {
      const run = cli(args, input);
      assert.equal(run.status, 1, `${args.join(' ')}: ${run.stdout}${run.stderr}`);
      assert.match(run.stderr, message, args.join(' '));
      assert.equal(run.stderr.includes('    at '), false, 'no stack trace');
    }
    ok(['user', 'create', 'norole', '--password-stdin'], 'norole-password\n');
    const noRole = cli(['token', 'issue', '--user', 'norole', '--project', 'ops']);
    assert.equal(noRole.status, 1);
    assert.match(noRole.stderr, /has no role on project ops/);
  });

  it('explains each subcommand with --help', () => {
    const help = (args: string[]) => spawnSync(process.execPath, [ENTRY, ...args, '--help'], { encoding: 'utf8', env: cleanEnv() });
    assert.match(help(['project']).stdout, /create[\s\S]*list[\s\S]*delete/);
    assert.match(help(['user']).stdout, /create[\s\S]*set-password/);
    assert.match(help(['role']).stdout, /grant[\s\S]*revoke/);
    assert.match(help(['credential', 'create']).stdout, /--expires[\s\S]*--client-id/);
    assert.match(help(['token', 'issue']).stdout, /--user[\s\S]*--project[\s\S]*--ttl/);
  });
});

describe('first start in jwt mode', function () {
  this.timeout(30000);

  it('with no user and no admin password, writes a generated one to an owner-only file, never to the log', async () => {
    const server = await startServer({ env: { PERMAFROST_AUTH: 'jwt', PERMAFROST_LOG_LEVEL: 'info' } });
    try {
      const file = path.join(server.dataDir, 'initial-admin-password');
      assert.equal(fs.statSync(file).mode & 0o777, 0o600);
      const password = fs.readFileSync(file, 'utf8').trim();
      assert.ok(password.length >= 20);
      assert.equal((await login(server.url, passwordAuth('admin', password, { name: 'admin' }))).status, 201);
      assert.match(server.logs(), /initial-admin-password/);
      assert.equal(server.logs().includes(password), false);
      assert.equal(fs.statSync(path.join(server.dataDir, 'jwt-secret')).mode & 0o777, 0o600);
      // Nothing is served without a token.
      assert.equal((await request(`${server.url}/v2/admin/jobs`)).status, 401);
    } finally {
      await server.stop();
    }
  });

  it('with PERMAFROST_ADMIN_PASSWORD, bootstraps admin/admin once and keeps the password on restart', async () => {
    const first = await startServer({ env: { PERMAFROST_AUTH: 'jwt', PERMAFROST_ADMIN_PASSWORD: 'first-password' } });
    await first.kill9();
    const again = await startServer({ dataDir: first.dataDir, env: { PERMAFROST_AUTH: 'jwt', PERMAFROST_ADMIN_PASSWORD: 'other-password' } });
    try {
      assert.equal(fs.existsSync(path.join(first.dataDir, 'initial-admin-password')), false);
      assert.equal((await login(again.url, passwordAuth('admin', 'first-password', { name: 'admin' }))).status, 201);
      assert.equal((await login(again.url, passwordAuth('admin', 'other-password', { name: 'admin' }))).status, 401);
    } finally {
      await again.stop();
    }
  });

  it('takes policy overrides from policy_file, and refuses to start on a broken one', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-policy-'));
    try {
      const file = path.join(dir, 'policy.yaml');
      fs.writeFileSync(file, '# jobs are listed by admins only here\n"jobs:get_all": "role:admin"\n');
      const server = await startServer({ env: { PERMAFROST_AUTH: 'jwt', PERMAFROST_ADMIN_PASSWORD: 'admin-password', PERMAFROST_POLICY_FILE: file } });
      try {
        const admin = await tokenFor(server.url, 'admin', 'admin-password', { name: 'admin' });
        const projectId = (await login(server.url, passwordAuth('admin', 'admin-password', { name: 'admin' }))).json.token.project.id;
        const user = await request(`${server.url}/v3/users`, { method: 'POST', headers: { 'X-Auth-Token': admin, 'Content-Type': 'application/json' }, body: { user: { name: 'm', password: 'member-password' } } });
        await request(`${server.url}/v3/projects/${projectId}/users/${user.json.user.id}/roles/member`, { method: 'PUT', headers: { 'X-Auth-Token': admin } });
        const member = tokenApi(server.url, projectId, await tokenFor(server.url, 'm', 'member-password', { id: projectId }));
        assert.equal((await member.get('/jobs')).status, 403);
        assert.equal((await member.get('/clients')).status, 200, 'other rules keep their defaults');
        assert.equal((await tokenApi(server.url, projectId, admin).get('/jobs')).status, 200);
      } finally {
        await server.stop();
      }
      fs.writeFileSync(file, '"jobs:get_all": "role:admin and"\n');
      await assert.rejects(startServer({ env: { PERMAFROST_AUTH: 'jwt', PERMAFROST_POLICY_FILE: file } }), /policy file .*jobs:get_all/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
