import assert from 'node:assert/strict';
import { ForbiddenError } from '../../../src/errors';
import { withClientLimits } from '../../../src/store/client-limit';
import { ForwardingRepository } from '../../../src/store/forwarding-repository';
import { SqliteStore } from '../../../src/store/sqlite/sqlite-store';
import type { Doc, Scope, Store } from '../../../src/store/types';
import { withRepositories } from '../../../src/store/with-repositories';

describe('client-limited scopes (store/client-limit.ts)', () => {
  let raw: SqliteStore;
  let store: Store;
  const owner: Scope = { userId: 'alice', projectId: 'p' };
  const agent: Scope = { ...owner, clientId: 'h1' };
  const job = (id: string, client: string, extra: Doc = {}) => ({ job_id: id, client_id: client, ...extra });
  const ids = async (scope: Scope, limit: number | null = null, offset = 0) =>
    (await store.repo('jobs').listJson(scope, { search: null, limit, offset })).map((j) => (JSON.parse(j) as Doc).job_id);

  beforeEach(async () => {
    raw = new SqliteStore({ file: ':memory:', synchronous: 'NORMAL', cacheMb: 8 });
    store = withClientLimits(raw);
    await store.start();
    for (const [id, client] of [['a', 'h1'], ['b', 'h2'], ['c', 'h1'], ['d', 'h2'], ['e', 'h1']]) {
      await store.repo('jobs').insert(owner, { id, key: id, doc: job(id, client) });
    }
    // A job of h2 that merely mentions h1 in a nested client_id: found by the search term, not by the limit.
    await store.repo('jobs').insert(owner, { id: 'n', key: 'n', doc: job('n', 'h2', { job_actions: [{ freezer_action: { client_id: 'h1' } }] }) });
    await store.repo('jobs').insert(owner, { id: 'f', key: 'f', doc: job('f', 'h1') });
  });
  afterEach(() => store.stop());

  it('lists only the client\'s jobs, paged exactly, skipping nested look-alikes', async () => {
    assert.deepEqual(await ids(owner), ['a', 'b', 'c', 'd', 'e', 'n', 'f']);
    assert.deepEqual(await ids(agent), ['a', 'c', 'e', 'f']);
    assert.deepEqual(await ids(agent, 2, 0), ['a', 'c']);
    assert.deepEqual(await ids(agent, 2, 2), ['e', 'f']);
    assert.deepEqual(await ids(agent, 2, 4), []);
  });

  it('pages exactly past many look-alikes, reading on while a page comes back full', async () => {
    // 40 more jobs, every other one of h2 mentioning h1 deep down: each read of the store comes
    // back full of look-alikes, so a page of the client's own jobs takes several reads.
    const more: string[] = [];
    for (let i = 0; i < 40; i++) {
      const id = `m${String(i).padStart(2, '0')}`;
      const own = i % 2 === 0;
      await store.repo('jobs').insert(owner, { id, key: id, doc: job(id, own ? 'h1' : 'h2', own ? {} : { job_actions: [{ freezer_action: { client_id: 'h1' } }] }) });
      if (own) more.push(id);
    }
    const all = ['a', 'c', 'e', 'f', ...more];
    assert.deepEqual(await ids(agent), all);
    assert.deepEqual(await ids(agent, 20, 0), all.slice(0, 20));
    assert.deepEqual(await ids(agent, 5, 17), all.slice(17, 22));
    assert.deepEqual(await ids(agent, 30, 10), all.slice(10));
  });

  it('lists a job whatever its keys, with or without a search', async () => {
    await store.repo('jobs').insert(owner, { id: 'u', key: 'u', doc: job('u', 'h1', { undefined: null }) });
    assert.deepEqual(await ids(agent), ['a', 'c', 'e', 'f', 'u']);
  });

  it('lets the client\'s own scope and the owner delete its jobs, and nobody else\'s', async () => {
    assert.equal(await store.repo('jobs').delete(agent, 'a'), true);
    assert.equal(await store.repo('jobs').get(owner, 'a'), null);
    assert.equal(await store.repo('jobs').delete(owner, 'b'), true, 'the owner is not limited');
    assert.equal(await store.repo('jobs').delete(owner, 'b'), false);
  });

  it('refuses (403) a client document without a client, rather than failing on it', async () => {
    await assert.rejects(store.repo('clients').insert(agent, { id: 'u-x', key: 'x', doc: { client_id: 'h1' } }), ForbiddenError);
    await store.repo('clients').insert(owner, { id: 'u-y', key: 'y', doc: { client_id: 'h1' } });
    assert.equal(await store.repo('clients').get(agent, 'y'), null);
  });

  it('never changes a job that another writer moved to another client after the check, even back to its own client', async () => {
    // Another writer (the owner) moves job a to h2 between the limited update's read and its write.
    const racing = withClientLimits(
      withRepositories(raw, (name, inner) =>
        name === 'jobs'
          ? new (class extends ForwardingRepository {
              override async update(scope: Scope, key: string, mutate: (doc: Doc) => Doc | null) {
                if (scope.clientId) await inner.update(owner, key, (d) => ({ ...d, client_id: 'h2' }));
                return inner.update(scope, key, mutate);
              }
            })(inner)
          : null,
      ),
    );
    assert.equal(await racing.repo('jobs').update(agent, 'a', (d) => ({ ...d, client_id: 'h1', description: 'taken back' })), null);
    assert.deepEqual((await store.repo('jobs').get(owner, 'a'))?.doc, job('a', 'h2'));
  });

  it('hides other clients\' jobs from get, update and delete, and changes nothing', async () => {
    assert.equal(await store.repo('jobs').get(agent, 'b'), null);
    assert.equal(await store.repo('jobs').getJson(agent, 'b'), null);
    assert.equal(await store.repo('jobs').update(agent, 'b', (d) => ({ ...d, description: 'x' })), null);
    assert.equal(await store.repo('jobs').delete(agent, 'b'), false);
    assert.deepEqual((await store.repo('jobs').get(owner, 'b'))?.doc, job('b', 'h2'));
    assert.equal((await store.repo('jobs').get(agent, 'a'))?.doc.client_id, 'h1');
  });

  it('refuses to create a job for, or move one to, another client', async () => {
    await assert.rejects(store.repo('jobs').insert(agent, { id: 'z', key: 'z', doc: job('z', 'h2') }), ForbiddenError);
    await assert.rejects(store.repo('jobs').update(agent, 'a', (d) => ({ ...d, client_id: 'h2' })), ForbiddenError);
    assert.equal((await store.repo('jobs').get(owner, 'a'))?.doc.client_id, 'h1');
    assert.equal(await store.repo('jobs').get(owner, 'z'), null);
    await store.repo('jobs').insert(agent, { id: 'y', key: 'y', doc: job('y', 'h1') });
    assert.equal((await store.repo('jobs').update(agent, 'y', (d) => ({ ...d, description: 'ok' })))?.description, 'ok');
  });

  const client = (id: string) => ({ client: { client_id: id, uuid: `u-${id}`, hostname: `host-${id}` } });
  const backup = (id: string, metadata: Doc) => ({ id, key: id, doc: { backup_id: id, backup_metadata: { container: 'c', backup_name: 'b', ...metadata } } });

  it('limits clients by client.client_id; actions and sessions are untouched', async () => {
    await store.repo('clients').insert(owner, { id: 'u-h1', key: 'h1', doc: client('h1') });
    await store.repo('clients').insert(owner, { id: 'u-h2', key: 'h2', doc: client('h2') });
    assert.notEqual(await store.repo('clients').get(agent, 'h1'), null);
    assert.equal(await store.repo('clients').get(agent, 'h2'), null);
    assert.equal((await store.repo('clients').listJson(agent, { search: null, limit: null, offset: 0 })).length, 1);
    await store.repo('backups').insert(agent, backup('b1', { hostname: 'host-h1' }));
    assert.notEqual(await store.repo('backups').get(agent, 'b1'), null);
    await store.repo('sessions').insert(agent, { id: 's1', key: 's1', doc: { session_id: 's1' } });
    assert.notEqual(await store.repo('sessions').get(agent, 's1'), null);
  });

  it("trust 13: a client-limited token posts backups only for its registered client's hostname, client_id and jobs", async () => {
    const backups = store.repo('backups');
    await assert.rejects(backups.insert(agent, backup('b0', { hostname: 'host-h1' })), /limited to client 'h1', which is not registered/);
    await store.repo('clients').insert(owner, { id: 'u-h1', key: 'h1', doc: client('h1') });
    await store.repo('clients').insert(owner, { id: 'u-h2', key: 'h2', doc: client('h2') });
    const refused: Array<[Doc, RegExp]> = [
      [{ hostname: 'host-h2' }, /its host 'host-h1' only, not of 'host-h2'/],
      [{}, /not of 'nothing'/],
      [{ hostname: 'host-h1', client_id: 'h2' }, /client_id 'h2'/],
      [{ hostname: 'host-h1', job_id: 'b' }, /job_id 'b' is not one of its jobs/],
      [{ hostname: 'host-h1', job_id: 'nope' }, /job_id 'nope'/],
      [{ hostname: 'host-h1', job_id: { $ne: 1 } }, /job_id '\{"\$ne":1\}'/],
    ];
    for (const [metadata, message] of refused) {
      await assert.rejects(backups.insert(agent, backup('bx', metadata)), (err: unknown) => err instanceof ForbiddenError && message.test(err.description ?? ''));
    }
    assert.equal(await backups.get(owner, 'bx'), null, 'nothing was stored');
    await backups.insert(agent, backup('b1', { hostname: 'host-h1', client_id: 'h1', job_id: 'a' }));
    await backups.insert(agent, backup('b2', { hostname: 'host-h1' }));
    // The owner (no client limit) files backups for any host, as before.
    await backups.insert(owner, backup('b3', { hostname: 'host-h2', client_id: 'h2', job_id: 'b' }));
    await assert.rejects(backups.delete(agent, 'b3'), ForbiddenError);
    assert.notEqual(await backups.get(owner, 'b3'), null);
  });

  it('accepts a backup whose client_id and job_id are null or empty (not given), of its own host', async () => {
    await store.repo('clients').insert(owner, { id: 'u-h1', key: 'h1', doc: client('h1') });
    await store.repo('backups').insert(agent, backup('n1', { hostname: 'host-h1', client_id: null, job_id: null }));
    await store.repo('backups').insert(agent, backup('n2', { hostname: 'host-h1', job_id: '' }));
    assert.notEqual(await store.repo('backups').get(owner, 'n1'), null);
    assert.notEqual(await store.repo('backups').get(owner, 'n2'), null);
  });

  it('lets only the owner change or delete backup metadata', async () => {
    await store.repo('backups').insert(owner, backup('b1', { hostname: 'host-h2' }));
    await assert.rejects(store.repo('backups').update(agent, 'b1', (d) => ({ ...d, x: 1 })), ForbiddenError);
    assert.equal((await store.repo('backups').update(owner, 'b1', (d) => ({ ...d, x: 1 })))?.x, 1);
    assert.equal(await store.repo('backups').delete(owner, 'b1'), true);
  });

  it('names the hosts in its refusal, cut to 64 characters, and a registered client without a hostname as nothing', async () => {
    const exact = 'h'.repeat(64);
    const long = `${'x'.repeat(64)}tail`;
    await store.repo('clients').insert(owner, { id: 'u-h1', key: 'h1', doc: { client: { client_id: 'h1', hostname: exact } } });
    const refusal = async (scope: Scope, hostname: string) => {
      const err = await store.repo('backups').insert(scope, backup('bx', { hostname })).then(() => null, (e: unknown) => e);
      assert.ok(err instanceof ForbiddenError);
      return err.description;
    };
    assert.equal(await refusal(agent, long), `This token is limited to client 'h1': it posts backups of its host '${exact}' only, not of '${'x'.repeat(64)}...'`);
    await store.repo('clients').insert(owner, { id: 'u-h3', key: 'h3', doc: {} });
    assert.equal(await refusal({ ...owner, clientId: 'h3' }, 'host-h3'), "This token is limited to client 'h3': it posts backups of its host 'nothing' only, not of 'host-h3'");
  });
});
