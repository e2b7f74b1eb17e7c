import assert from 'node:assert/strict';
import { Api } from '../helpers/http';
import { useServer } from '../helpers/server';

describe('actions, backups and clients (spec A.3.3, A.3.4, A.3.6)', () => {
  const server = useServer();
  let api: Api;
  before(() => {
    api = Api.v2(server().url, 'projA', 'alice', { 'X-User-Name': 'Alice A.' });
  });

  describe('actions', () => {
    const fa = { action: 'backup', mode: 'fs', backup_name: 'b1', path_to_backup: '/data', container: '/store' };

    it('creates with defaults 5/6 and mandatory false; GET shows the reference shape', async () => {
      const res = await api.post('/actions', { freezer_action: fa });
      assert.equal(res.status, 201);
      const id = res.json.action_id;
      assert.match(id, /^[0-9a-f]{32}$/);
      const doc = (await api.get(`/actions/${id}`)).json;
      assert.deepEqual(doc, {
        project_id: 'projA',
        action_id: id,
        user_id: 'alice',
        max_retries: 5,
        max_retries_interval: 6,
        mandatory: false,
        freezer_action: { ...fa, timeout: null, priority: null, log_file: null },
      });
      const item = (await api.get('/actions')).json.actions.find((a: { action_id: string }) => a.action_id === id);
      assert.deepEqual(Object.keys(item), ['project_id', 'user_id', 'timeout', 'max_retries_interval', 'max_retries', 'action_id', 'mandatory', 'freezer_action']);
      assert.deepEqual(item.freezer_action, { ...fa, timeout: null, priority: null, log_file: null }, 'lists show the same always-shown keys');
    });

    it('keeps a top-level mandatory (the reference loses it) and mirrors timeout', async () => {
      const res = await api.post('/actions', { freezer_action: { ...fa, timeout: 30 }, mandatory: true, max_retries: 2, max_retries_interval: 3 });
      const id = res.json.action_id;
      assert.equal((await api.get(`/actions/${id}`)).json.mandatory, true);
      const item = (await api.get('/actions?limit=-1')).json.actions.find((a: { action_id: string }) => a.action_id === id);
      assert.deepEqual([item.mandatory, item.timeout, item.max_retries, item.max_retries_interval], [true, 30, 2, 3]);
    });

    it('honours a caller-chosen id and answers 409 when it is taken, by anyone', async () => {
      assert.equal((await api.post('/actions', { freezer_action: fa, action_id: 'my-action' })).json.action_id, 'my-action');
      const dup = await api.post('/actions', { freezer_action: fa, action_id: 'my-action' });
      assert.equal(dup.status, 409);
      assert.deepEqual(dup.json, { title: 'Document already existing', description: 'Action already registered with ID my-action' });
      const other = Api.v2(server().url, 'projA', 'bob');
      assert.equal((await other.post('/actions', { freezer_action: fa, action_id: 'my-action' })).status, 409);
    });

    it('validates: freezer_action and its action are required, ids and modes follow the id pattern', async () => {
      const cases: Array<[unknown, string | RegExp]> = [
        [{}, 'Missing request body'],
        [{ max_retries: 1 }, "'freezer_action' is a required property"],
        [{ freezer_action: { mode: 'fs' } }, "'action' is a required property"],
        [{ freezer_action: { action: 'back up' } }, /'back up' does not match/],
        [{ freezer_action: fa, mode: 'bad mode' }, /'bad mode' does not match/],
        [{ freezer_action: fa, max_retries: 'x' }, "'x' is not of type 'integer'"],
        [{ freezer_action: fa, max_retries_interval: 1.5 }, "1.5 is not of type 'integer'"],
        [{ freezer_action: fa, mandatory: 'yes' }, "'yes' is not of type 'boolean'"],
      ];
      for (const [body, message] of cases) {
        const res = await api.post('/actions', body);
        assert.equal(res.status, 400, JSON.stringify(body));
        if (typeof message === 'string') assert.equal(res.json.description, message);
        else assert.match(res.json.description, message);
      }
    });

    it('PATCH replaces the fields present; POST /actions/{id} replaces or creates; DELETE removes', async () => {
      const id = (await api.post('/actions', { freezer_action: fa, max_retries: 2, max_retries_interval: 3 })).json.action_id;
      const res = await api.patch(`/actions/${id}`, { freezer_action: { action: 'restore', backup_name: 'b1' }, action_id: 'x', user_id: 'm' });
      assert.equal(res.status, 200);
      assert.deepEqual(res.json, { action_id: id, version: id });
      let doc = (await api.get(`/actions/${id}`)).json;
      assert.equal(doc.freezer_action.action, 'restore');
      assert.equal(doc.freezer_action.container, null, 'freezer_action replaced whole');
      assert.deepEqual([doc.max_retries, doc.max_retries_interval, doc.user_id], [2, 3, 'alice']);
      assert.equal((await api.patch('/actions/nosuch', { max_retries: 1 })).status, 404);
      const repl = await api.post(`/actions/${id}`, { freezer_action: fa });
      assert.equal(repl.status, 201);
      assert.deepEqual(repl.json, { action_id: id, version: id });
      doc = (await api.get(`/actions/${id}`)).json;
      assert.deepEqual([doc.freezer_action.action, doc.max_retries], ['backup', null]);
      assert.equal((await api.post('/actions/new-by-replace', { freezer_action: fa })).status, 201);
      assert.equal((await api.get('/actions/new-by-replace')).status, 200);
      assert.equal((await api.delete(`/actions/${id}`)).status, 204);
      assert.equal((await api.get(`/actions/${id}`)).status, 404);
      assert.equal((await api.delete(`/actions/${id}`)).status, 204);
    });
  });

  describe('backups', () => {
    const meta = { container: '/store', hostname: 'host1', backup_name: 'b1', level: 0, time_stamp: 1700000000, job_id: 'j1' };

    it('stores the body verbatim as backup_metadata, with a new id every time', async () => {
      const a = await api.post('/backups', meta);
      const b = await api.post('/backups', meta);
      assert.equal(a.status, 201);
      assert.match(a.json.backup_id, /^[0-9a-f]{32}$/);
      assert.notEqual(a.json.backup_id, b.json.backup_id);
      const doc = (await api.get(`/backups/${a.json.backup_id}`)).json;
      assert.deepEqual(doc, { project_id: 'projA', backup_id: a.json.backup_id, user_id: 'alice', user_name: 'Alice A.', backup_metadata: meta });
      const listed = (await api.get('/backups')).json.backups;
      assert.deepEqual(listed.slice(0, 2).map((x: { backup_id: string }) => x.backup_id), [a.json.backup_id, b.json.backup_id]);
    });

    it('requires container, hostname and backup_name to be present and non-empty', async () => {
      for (const k of ['container', 'hostname', 'backup_name']) {
        for (const value of [undefined, '']) {
          const res = await api.post('/backups', { ...meta, [k]: value });
          assert.equal(res.status, 400, `${k}=${value}`);
          assert.deepEqual(res.json, { title: 'Bad request format', description: 'Bad Data Format' });
        }
      }
      assert.equal((await api.post('/backups', { ...meta, hostname: 5 })).status, 201, 'only presence is checked');
      for (const body of [{}, undefined, [], 0, '""']) {
        const res = await api.post('/backups', body);
        assert.equal(res.status, 400);
        assert.equal(res.json.description, 'Missing request body');
      }
    });

    it('deletes metadata (204 even when missing), with no PATCH route', async () => {
      const id = (await api.post('/backups', meta)).json.backup_id;
      assert.equal((await api.patch(`/backups/${id}`, {})).status, 405);
      assert.equal((await api.delete(`/backups/${id}`)).status, 204);
      assert.equal((await api.get(`/backups/${id}`)).status, 404);
      assert.equal((await api.delete(`/backups/${id}`)).status, 204);
    });
  });

  describe('clients', () => {
    it('registers a client; a second registration of the same client_id is a 409', async () => {
      const res = await api.post('/clients', { client_id: 'projA_host1', hostname: 'host1', description: 'first', extra: 'dropped' });
      assert.equal(res.status, 201);
      assert.deepEqual(res.json, { client_id: 'projA_host1' });
      const dup = await api.post('/clients', { client_id: 'projA_host1', hostname: 'host1' });
      assert.equal(dup.status, 409);
      assert.deepEqual(dup.json, { title: 'Document already existing', description: 'Client already registered with ID projA_host1' });
      const doc = (await api.get('/clients/projA_host1')).json;
      assert.deepEqual(Object.keys(doc), ['project_id', 'user_id', 'client']);
      assert.deepEqual(Object.keys(doc.client), ['uuid', 'hostname', 'client_id', 'description']);
      assert.equal(doc.client.description, 'first');
      assert.match(doc.client.uuid, /^[0-9a-f]{32}$/);
      assert.deepEqual((await api.get('/clients')).json.clients[0], doc);
    });

    it('stores a missing hostname as "" and a missing description as null; honours a given uuid', async () => {
      assert.equal((await api.post('/clients', { client_id: 'host2', uuid: 'given-uuid' })).status, 201);
      const doc = (await api.get('/clients/host2')).json;
      assert.deepEqual(doc.client, { uuid: 'given-uuid', hostname: '', client_id: 'host2', description: null });
      const clash = await api.post('/clients', { client_id: 'host3', uuid: 'given-uuid' });
      assert.equal(clash.status, 409);
    });

    it('validates the client_id and hostname patterns', async () => {
      assert.equal((await api.post('/clients', {})).json.description, 'Missing request body');
      assert.equal((await api.post('/clients', { hostname: 'h' })).json.description, "'client_id' is a required property");
      assert.equal((await api.post('/clients', { client_id: 'bad id!' })).status, 400);
      assert.equal((await api.post('/clients', { client_id: 'host4', hostname: '!!!' })).status, 400);
      assert.equal((await api.post('/clients', { client_id: 'host5', hostname: 'a b' })).status, 201, 'the hostname pattern is unanchored');
    });

    it('looks clients up by client_id; delete answers 204 either way', async () => {
      await api.post('/clients', { client_id: 'gone_host', hostname: 'g' });
      assert.equal((await api.get('/clients/unknown')).status, 404);
      assert.equal((await api.get('/clients/unknown')).text, '');
      assert.equal((await api.delete('/clients/gone_host')).status, 204);
      assert.equal((await api.get('/clients/gone_host')).status, 404);
      assert.equal((await api.delete('/clients/gone_host')).status, 204);
      assert.equal((await api.post('/clients', { client_id: 'gone_host', hostname: 'g' })).status, 201, 'registrable again');
    });
  });
});
