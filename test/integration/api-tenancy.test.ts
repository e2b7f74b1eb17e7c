import assert from 'node:assert/strict';
import { Api } from '../helpers/http';
import { useServer } from '../helpers/server';

/**
 * The reference isolates documents by (URL project, X-User-Id) in v2 and by user in v1
 * (spec A.2.2-A.2.4). Every other caller must see nothing, change nothing, and learn nothing.
 */
describe('tenant isolation over every resource (spec A.2.4)', () => {
  const server = useServer();
  let alice: Api;
  before(() => {
    alice = Api.v2(server().url, 'projA', 'alice');
  });

  const outsiders = () => ({
    'another user, same project': Api.v2(server().url, 'projA', 'bob'),
    'same user, another project': Api.v2(server().url, 'projB', 'alice'),
    'an admin of another user': Api.v2(server().url, 'projA', 'root', { 'X-Roles': 'admin' }),
    'v1 as another user': Api.v1(server().url, 'bob'),
  });

  async function seed() {
    const job = (await alice.post('/jobs', { client_id: 'projA_h', description: 'secret', job_actions: [{ freezer_action: { action: 'backup' } }] })).json.job_id;
    const action = (await alice.post('/actions', { freezer_action: { action: 'backup', backup_name: 'secret' } })).json.action_id;
    const session = (await alice.post('/sessions', { description: 'secret', schedule: {} })).json.session_id;
    const backup = (await alice.post('/backups', { container: 'c', hostname: 'h', backup_name: 'secret' })).json.backup_id;
    await alice.post('/clients', { client_id: 'projA_secret', hostname: 'h', description: 'secret' });
    return { jobs: job, actions: action, sessions: session, backups: backup, clients: 'projA_secret' } as Record<string, string>;
  }

  it('others get 404 with an empty body on GET and an empty list, whatever their roles', async () => {
    const ids = await seed();
    for (const [who, api] of Object.entries(outsiders())) {
      for (const [kind, id] of Object.entries(ids)) {
        const res = await api.get(`/${kind}/${id}`);
        assert.equal(res.status, 404, `${who} GET ${kind}`);
        assert.equal(res.text, '', `${who} GET ${kind}`);
        const list = await api.get(`/${kind}?limit=-1`);
        assert.equal(list.status, 200);
        assert.ok(!list.text.includes('secret'), `${who} lists ${kind}`);
      }
    }
  });

  it('others cannot change or delete: PATCH 404, DELETE a no-op, event 404, session calls 404', async () => {
    const ids = await seed();
    for (const [who, api] of Object.entries(outsiders())) {
      for (const kind of ['jobs', 'actions', 'sessions']) {
        assert.equal((await api.patch(`/${kind}/${ids[kind]}`, { description: 'pwned' })).status, 404, `${who} PATCH ${kind}`);
      }
      for (const [kind, id] of Object.entries(ids)) {
        const res = await api.delete(`/${kind}/${id}`);
        assert.ok(res.status === 204 || res.status === 404, `${who} DELETE ${kind}: ${res.status}`);
      }
      assert.equal((await api.post(`/jobs/${ids.jobs}/event`, { stop: null })).status, 404, `${who} event`);
      assert.equal((await api.put(`/sessions/${ids.sessions}/jobs/${ids.jobs}`)).status, 404, `${who} add job`);
      assert.equal((await api.post(`/sessions/${ids.sessions}/action`, { start: { job_id: ids.jobs, current_tag: 0 } })).status, 404);
    }
    // Read back as the owner: everything is there and unchanged.
    for (const [kind, id] of Object.entries(ids)) {
      const res = await alice.get(`/${kind}/${id}`);
      assert.equal(res.status, 200, `owner GET ${kind}`);
      assert.ok(res.text.includes('secret'), `${kind} unchanged`);
    }
    const job = (await alice.get(`/jobs/${ids.jobs}`)).json;
    assert.equal(job.job_schedule.event, undefined, 'no event recorded');
    assert.equal(job.session_id, '');
  });

  it('replacing a document of someone else is 403 and changes nothing (the reference answers 500)', async () => {
    const ids = await seed();
    for (const [who, api] of Object.entries(outsiders())) {
      const bodies: Record<string, unknown> = {
        jobs: { client_id: 'x_h', description: 'pwned', job_actions: [{ freezer_action: { action: 'backup' } }] },
        actions: { freezer_action: { action: 'backup', backup_name: 'pwned' } },
        sessions: { description: 'pwned', schedule: {}, session_tag: 0 },
      };
      const ownActions = (await api.get('/actions?limit=-1')).json.actions.length;
      for (const [kind, body] of Object.entries(bodies)) {
        const res = await api.post(`/${kind}/${ids[kind]}`, body);
        assert.equal(res.status, 403, `${who} replace ${kind}: ${res.text}`);
        assert.deepEqual(res.json, { title: 'Access Forbidden', description: 'You are not allowed to access this resource' });
        assert.ok(!(await alice.get(`/${kind}/${ids[kind]}`)).text.includes('pwned'));
      }
      assert.equal((await api.get('/actions?limit=-1')).json.actions.length, ownActions, `${who}: a refused replace registered actions`);
    }
  });

  it('the same ids in two tenants stay apart (client_id is per tenant)', async () => {
    const bob = Api.v2(server().url, 'projA', 'bob');
    await alice.post('/clients', { client_id: 'shared_host', hostname: 'alice-host' });
    assert.equal((await bob.post('/clients', { client_id: 'shared_host', hostname: 'bob-host' })).status, 201);
    assert.equal((await alice.get('/clients/shared_host')).json.client.hostname, 'alice-host');
    assert.equal((await bob.get('/clients/shared_host')).json.client.hostname, 'bob-host');
    await bob.delete('/clients/shared_host');
    assert.equal((await alice.get('/clients/shared_host')).status, 200);
  });

  it('searches never cross tenants', async () => {
    await seed();
    const bob = Api.v2(server().url, 'projA', 'bob');
    assert.deepEqual((await bob.get('/jobs', { match: [{ description: 'secret' }] })).json.jobs, []);
    assert.deepEqual((await bob.get('/backups', { match: [{ backup_name: 'secret' }] })).json.backups, []);
    assert.ok((await alice.get('/jobs', { match: [{ description: 'secret' }] })).json.jobs.length > 0);
  });
});
