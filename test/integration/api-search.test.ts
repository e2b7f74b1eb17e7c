import assert from 'node:assert/strict';
import { Api } from '../helpers/http';
import { useServer } from '../helpers/server';

describe('search in list bodies (spec A.5.2)', () => {
  const server = useServer();
  let api: Api;
  const ids: Record<string, string> = {};
  before(async () => {
    api = Api.v2(server().url, 'projA', 'alice');
    // The transcript's data set: list-1..list-10, hosts alternating, backup_name d1 on list-3.
    for (let i = 1; i <= 10; i++) {
      const res = await api.post('/jobs', {
        client_id: i % 2 ? 'projA_host1' : 'projA_host2',
        description: `list-${i}`,
        job_schedule: i <= 2 ? { status: 'completed' } : {},
        job_actions: [{ freezer_action: { action: 'backup', backup_name: i === 3 ? 'd1' : 'other' } }],
      });
      ids[`list-${i}`] = res.json.job_id;
    }
  });

  const search = async (body: unknown, path = '/jobs?limit=100') => (await api.get(path, body)).json.jobs.map((j: { description: string }) => j.description);

  it('match selects exact values, combined with AND', async () => {
    assert.deepEqual(await search({ match: [{ description: 'list-3' }] }), ['list-3']);
    assert.deepEqual(await search({ match: [{ client_id: 'projA_host2' }, { description: 'list-4' }] }), ['list-4']);
    assert.deepEqual(await search({ match: [{ description: 'list' }] }), [], 'no substring matching');
    assert.deepEqual(await search({ match: [{ description: 'LIST-3' }] }), [], 'no case folding');
  });

  it('match_not excludes, and a missing key compares as null', async () => {
    assert.deepEqual(await search({ match: [{ client_id: 'projA_host2' }], match_not: [{ description: 'list-2' }] }), ['list-4', 'list-6', 'list-8', 'list-10']);
    assert.equal((await search({ match_not: [{ status: 'completed' }] })).length, 8);
    assert.deepEqual(await search({ match: [{ status: null }], match_not: [{ client_id: 'projA_host1' }] }), ['list-4', 'list-6', 'list-8', 'list-10']);
  });

  it('finds leaf keys at any depth (backup_name inside job_actions), not dotted paths', async () => {
    assert.deepEqual(await search({ match: [{ backup_name: 'd1' }] }), ['list-3']);
    assert.deepEqual(await search({ match: [{ 'job_schedule.status': 'completed' }] }), []);
  });

  it('_all with a JSON list string replaces the search; anything else means no filter', async () => {
    assert.deepEqual(await search({ match: [{ _all: '[{"description": "list-2"}]' }, { client_id: 'projA_host1' }] }), ['list-2']);
    assert.equal((await search({ match: [{ _all: 'list-2' }] })).length, 10);
    assert.equal((await search({ match: [{ _all: '{"description": "list-2"}' }] })).length, 10);
  });

  it('pages after filtering, in insertion order', async () => {
    assert.deepEqual(await search({ match: [{ client_id: 'projA_host1' }] }, '/jobs?limit=2&offset=1'), ['list-3', 'list-5']);
  });

  it('an empty or absent search is no filter', async () => {
    for (const body of [undefined, {}, { match: [] }, { match: [], match_not: [] }, { match: [{}] }]) {
      assert.equal((await search(body)).length, 10, JSON.stringify(body));
    }
  });

  it('answers 400 to a malformed search (the reference answers 500)', async () => {
    for (const body of [{ match: { description: 'x' } }, { match: ['x'] }, { match_not: 'x' }, [1], '"str"', '42']) {
      const res = await api.get('/jobs', body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.json.title, 'Bad request format');
    }
  });

  it('takes up to 64 conditions and refuses more with 400', async () => {
    const conditions = (n: number) => Array.from({ length: n }, (_, i) => ({ [`key${i}`]: null }));
    assert.equal((await search({ match: conditions(63), match_not: [{ description: 'list-1' }] })).length, 9);
    const res = await api.get('/jobs', { match: conditions(65) });
    assert.equal(res.status, 400);
    assert.equal(res.json.description, 'A search may have at most 64 conditions');
  });

  it('works on backups, clients, sessions and actions too, on the documents as returned', async () => {
    await api.post('/backups', { container: 'c', hostname: 'h1', backup_name: 'find-me' });
    await api.post('/backups', { container: 'c', hostname: 'h2', backup_name: 'not-me' });
    const backups = (await api.get('/backups', { match: [{ backup_name: 'find-me' }] })).json.backups;
    assert.deepEqual(backups.map((b: { backup_metadata: { hostname: string } }) => b.backup_metadata.hostname), ['h1']);
    await api.post('/clients', { client_id: 'projA_s1', hostname: 'alpha' });
    await api.post('/clients', { client_id: 'projA_s2', hostname: 'beta' });
    const clients = (await api.get('/clients', { match: [{ hostname: 'beta' }] })).json.clients;
    assert.deepEqual(clients.map((c: { client: { client_id: string } }) => c.client.client_id), ['projA_s2']);
    await api.post('/sessions', { description: 'sess-a', schedule: {} });
    await api.post('/sessions', { description: 'sess-b', schedule: {} });
    const sessions = (await api.get('/sessions', { match_not: [{ description: 'sess-a' }] })).json.sessions;
    assert.deepEqual(sessions.map((s: { description: string }) => s.description), ['sess-b']);
    await api.post('/actions', { freezer_action: { action: 'exec', command: 'true' }, mandatory: true });
    const actions = (await api.get('/actions?limit=-1', { match: [{ mandatory: true }] })).json.actions;
    assert.deepEqual(actions.map((a: { freezer_action: { action: string } }) => a.freezer_action.action), ['exec']);
  });

  it('sees a job change at once (search terms follow updates and deletes)', async () => {
    await api.patch(`/jobs/${ids['list-5']}`, { description: 'renamed' });
    assert.deepEqual(await search({ match: [{ description: 'list-5' }] }), []);
    assert.deepEqual(await search({ match: [{ description: 'renamed' }] }), ['renamed']);
    await api.delete(`/jobs/${ids['list-5']}`);
    assert.deepEqual(await search({ match: [{ description: 'renamed' }] }), []);
  });
});
