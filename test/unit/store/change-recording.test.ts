import assert from 'node:assert/strict';
import { withChangeRecording, type JobChange } from '../../../src/store/change-recording';
import { SqliteStore } from '../../../src/store/sqlite/sqlite-store';
import type { Doc, Scope, Store } from '../../../src/store/types';

describe('job writes announced for the wait-for-change channel (store/change-recording.ts)', () => {
  let store: Store;
  let seen: JobChange[][];
  const owner: Scope = { userId: 'alice', projectId: 'p' };
  const job = (id: string, client: string): Doc => ({ job_id: id, user_id: 'alice', project_id: 'p', client_id: client, description: 'd' });

  beforeEach(async () => {
    seen = [];
    store = withChangeRecording(new SqliteStore({ file: ':memory:', synchronous: 'NORMAL', cacheMb: 8 }), (changes) => seen.push(changes));
    await store.start();
  });
  afterEach(() => store.stop());

  it('announces an insert, an update (client before and after) and a delete, with the owner', async () => {
    const jobs = store.repo('jobs');
    await jobs.insert(owner, { id: 'j', key: 'j', doc: job('j', 'h1') });
    await jobs.update(owner, 'j', (d) => ({ ...d, client_id: 'h2' }));
    await jobs.delete(owner, 'j');
    const clients = seen.map((changes) => changes.map((c) => c.clientId));
    assert.deepEqual(clients, [['h1'], ['h2', 'h1'], ['h2']]);
    assert.deepEqual(seen[0][0], { userId: 'alice', projectId: 'p', clientId: 'h1' });
  });

  it('announces nothing for an update that changes nothing, a missing job, or another collection', async () => {
    const jobs = store.repo('jobs');
    await jobs.insert(owner, { id: 'j', key: 'j', doc: job('j', 'h1') });
    seen = [];
    assert.ok(await jobs.update(owner, 'j', () => null));
    assert.equal(await jobs.update(owner, 'missing', (d) => d), null);
    assert.equal(await jobs.delete(owner, 'missing'), false);
    await store.repo('actions').insert(owner, { id: 'a', key: 'a', doc: { action_id: 'a', user_id: 'alice', client_id: 'h1' } });
    assert.deepEqual(seen, []);
  });

  it('announces nothing for a job without a client, and nothing when the write fails', async () => {
    const jobs = store.repo('jobs');
    await jobs.insert(owner, { id: 'k', key: 'k', doc: { job_id: 'k', user_id: 'alice', project_id: 'p', client_id: '' } });
    await assert.rejects(jobs.insert(owner, { id: 'k', key: 'k', doc: job('k', 'h1') }));
    assert.deepEqual(seen, []);
  });
});
