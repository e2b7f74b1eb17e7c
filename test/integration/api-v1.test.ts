import assert from 'node:assert/strict';
import { Api, type Response } from '../helpers/http';
import { useServer } from '../helpers/server';

describe('v1 (spec A.8): user scope, null project, 404 on deleting what is missing', () => {
  const server = useServer();
  let v1: Api;
  before(() => {
    v1 = Api.v1(server().url, 'carol');
  });

  it('serves the same resources with project_id null', async () => {
    const job = await v1.post('/jobs', { client_id: 'host1', job_actions: [{ freezer_action: { action: 'backup' } }] });
    assert.equal(job.status, 201);
    const doc = (await v1.get(`/jobs/${job.json.job_id}`)).json;
    assert.equal(doc.project_id, null);
    assert.equal(doc.job_actions[0].project_id, null);
    const backup = await v1.post('/backups', { container: 'c', hostname: 'h', backup_name: 'b' });
    assert.equal((await v1.get(`/backups/${backup.json.backup_id}`)).json.project_id, null);
    await v1.post('/clients', { client_id: 'host1', hostname: 'h' });
    assert.equal((await v1.get('/clients/host1')).json.project_id, null);
    const session = await v1.post('/sessions', { schedule: {} });
    assert.equal((await v1.get(`/sessions/${session.json.session_id}`)).json.project_id, null);
    const action = await v1.post('/actions', { freezer_action: { action: 'info' } });
    assert.equal((await v1.get(`/actions/${action.json.action_id}`)).json.project_id, null);
  });

  it('sees the user documents of every project, as the reference does with a shared store', async () => {
    const v2 = Api.v2(server().url, 'projZ', 'carol');
    const id = (await v2.post('/jobs', { client_id: 'projZ_h', description: 'from-v2', job_actions: [{ freezer_action: { action: 'backup' } }] })).json.job_id;
    assert.equal((await v1.get(`/jobs/${id}`)).json.description, 'from-v2');
    assert.equal((await Api.v1(server().url, 'dave').get(`/jobs/${id}`)).status, 404);
  });

  it('events, session start/end and job removal work (the reference fails them with 400)', async () => {
    const jid = (await v1.post('/jobs', { client_id: 'host1', job_actions: [{ freezer_action: { action: 'backup' } }] })).json.job_id;
    const ev = await v1.post(`/jobs/${jid}/event`, { start: null });
    assert.equal(ev.status, 202);
    assert.deepEqual(ev.json, { result: 'success' });
    const sid = (await v1.post('/sessions', { schedule: {}, hold_off: 0 })).json.session_id;
    assert.equal((await v1.put(`/sessions/${sid}/jobs/${jid}`)).status, 204);
    assert.deepEqual((await v1.post(`/sessions/${sid}/action`, { start: { job_id: jid, current_tag: 0 } })).json, { result: 'success', session_tag: 1 });
    assert.equal((await v1.post(`/sessions/${sid}/action`, { end: { job_id: jid, result: 'success' } })).status, 202);
    assert.equal((await v1.get(`/sessions/${sid}`)).json.status, 'completed');
    assert.equal((await v1.delete(`/sessions/${sid}/jobs/${jid}`)).status, 204);
  });

  it('takes back the whole job document it returned (null project_id in the actions too), as schedulers PATCH it', async () => {
    const id = (await v1.post('/jobs', { client_id: 'h', job_actions: [{ freezer_action: { action: 'exec', command: 'x' } }] })).json.job_id;
    const doc = (await v1.get(`/jobs/${id}`)).json;
    assert.equal(doc.job_actions[0].project_id, null);
    doc.description = 'patched whole';
    const res = await v1.patch(`/jobs/${id}`, doc);
    assert.equal(res.status, 200, res.text);
    const after = (await v1.get(`/jobs/${id}`)).json;
    assert.equal(after.description, 'patched whole');
    assert.equal(after.job_actions[0].project_id, null);
    assert.equal(after.job_actions[0].user_id, doc.user_id);
  });

  it('DELETE of a missing document answers 404 with the reference message per type', async () => {
    const cases: Array<[string, string]> = [
      ['jobs', 'No Job found with ID:nope'],
      ['backups', 'No Backup found with ID:nope'],
      ['clients', 'No Client found with ID:nope'],
      ['actions', 'No action found with ID:nope'],
      ['sessions', 'No session found with ID:nope'],
    ];
    for (const [kind, message] of cases) {
      const res = await v1.delete(`/${kind}/nope`);
      assert.equal(res.status, 404, kind);
      assert.deepEqual(res.json, { title: 'Not Found', description: message });
    }
  });

  it('walks every route under /v1 with the status codes of the route table (spec A.3.0)', async () => {
    const u = Api.v1(server().url, 'walker');
    const fa = { freezer_action: { action: 'backup', backup_name: 'b' } };
    const expect = async (res: Promise<Response>, status: number, what: string): Promise<Response> => {
      const r = await res;
      assert.equal(r.status, status, `${what}: ${r.text}`);
      return r;
    };
    await expect(u.get(''), 200, 'GET /v1');
    const bid = (await expect(u.post('/backups', { container: 'c', hostname: 'h', backup_name: 'b' }), 201, 'POST backups')).json.backup_id;
    await expect(u.get('/backups'), 200, 'GET backups');
    await expect(u.get(`/backups/${bid}`), 200, 'GET backup');
    await expect(u.delete(`/backups/${bid}`), 204, 'DELETE backup');
    await expect(u.post('/clients', { client_id: 'walk_h', hostname: 'h' }), 201, 'POST clients');
    await expect(u.get('/clients'), 200, 'GET clients');
    await expect(u.get('/clients/walk_h'), 200, 'GET client');
    await expect(u.delete('/clients/walk_h'), 204, 'DELETE client');
    const jid = (await expect(u.post('/jobs', { client_id: 'walk_h', job_actions: [fa] }), 201, 'POST jobs')).json.job_id;
    await expect(u.get('/jobs'), 200, 'GET jobs');
    await expect(u.get(`/jobs/${jid}`), 200, 'GET job');
    await expect(u.post(`/jobs/${jid}`, { client_id: 'walk_h', job_actions: [fa] }), 201, 'POST job (replace)');
    await expect(u.patch(`/jobs/${jid}`, { description: 'p' }), 200, 'PATCH job');
    await expect(u.post(`/jobs/${jid}/event`, { stop: null }), 202, 'POST event');
    const aid = (await expect(u.post('/actions', fa), 201, 'POST actions')).json.action_id;
    await expect(u.get('/actions'), 200, 'GET actions');
    await expect(u.get(`/actions/${aid}`), 200, 'GET action');
    await expect(u.post(`/actions/${aid}`, fa), 201, 'POST action (replace)');
    await expect(u.patch(`/actions/${aid}`, { max_retries: 2 }), 200, 'PATCH action');
    await expect(u.delete(`/actions/${aid}`), 204, 'DELETE action');
    const sid = (await expect(u.post('/sessions', { schedule: {} }), 201, 'POST sessions')).json.session_id;
    await expect(u.get('/sessions'), 200, 'GET sessions');
    await expect(u.get(`/sessions/${sid}`), 200, 'GET session');
    await expect(u.post(`/sessions/${sid}`, { schedule: {}, session_tag: 0 }), 201, 'POST session (replace)');
    await expect(u.patch(`/sessions/${sid}`, { description: 'p' }), 200, 'PATCH session');
    await expect(u.put(`/sessions/${sid}/jobs/${jid}`), 204, 'PUT session job');
    await expect(u.post(`/sessions/${sid}/action`, { start: { job_id: jid, current_tag: 0 } }), 202, 'POST session action');
    await expect(u.delete(`/sessions/${sid}/jobs/${jid}`), 204, 'DELETE session job');
    await expect(u.delete(`/sessions/${sid}`), 204, 'DELETE session');
    await expect(u.delete(`/jobs/${jid}`), 204, 'DELETE job');
    const v2 = Api.v2(server().url, 'walkp', 'walker');
    assert.equal((await v2.get(`/jobs/${jid}`)).status, 404, 'gone for v2 as well');
  });

  it('v1 and v2 routes are the same set (405s and OPTIONS agree)', async () => {
    assert.equal((await v1.call('OPTIONS', '/jobs/x')).headers.allow, 'DELETE, GET, PATCH, POST');
    assert.equal((await v1.call('PUT', '/jobs')).status, 405);
    assert.equal((await v1.call('OPTIONS', '/sessions/s/jobs/j')).headers.allow, 'DELETE, PUT');
  });
});
