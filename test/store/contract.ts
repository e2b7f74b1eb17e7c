import assert from 'node:assert/strict';
import { matches, parseSearch, type Search } from '../../src/search';
import { DuplicateError, type Doc, type Scope, type Store } from '../../src/store/types';

/**
 * The behaviour every storage engine must have. Each adapter's test file calls this with a
 * factory for a fresh, started, empty store.
 */
export function storeContract(engine: string, makeStore: () => Promise<Store>): void {
  describe(`store contract: ${engine}`, () => {
    let store: Store;
    const alice: Scope = { userId: 'alice', projectId: 'projA' };
    const aliceB: Scope = { userId: 'alice', projectId: 'projB' };
    const aliceV1: Scope = { userId: 'alice', projectId: null };
    const bob: Scope = { userId: 'bob', projectId: 'projA' };

    beforeEach(async () => {
      store = await makeStore();
    });
    afterEach(async () => {
      await store.stop();
    });

    const job = (id: string, extra: Doc = {}): Doc => ({ job_id: id, description: `job ${id}`, client_id: 'host1', ...extra });
    const put = (scope: Scope, id: string, doc: Doc = job(id)) => store.repo('jobs').insert(scope, { id, key: id, doc });
    const ids = async (scope: Scope, search: Search | null = null, limit: number | null = null, offset = 0) =>
      (await store.repo('jobs').listJson(scope, { search, limit, offset })).map((j) => (JSON.parse(j) as Doc).job_id);

    it('round-trips a document, as an object and as JSON text', async () => {
      const doc = job('j1', { nested: { a: [1, { b: 'ü' }] }, n: null });
      await put(alice, 'j1', doc);
      assert.deepEqual((await store.repo('jobs').get(alice, 'j1'))?.doc, doc);
      assert.deepEqual(JSON.parse((await store.repo('jobs').getJson(alice, 'j1')) ?? 'null'), doc);
    });

    it('confines reads to the scope; v1 sees the user in every project', async () => {
      await put(alice, 'j1');
      await put(aliceB, 'j2');
      await put(bob, 'j3');
      assert.equal(await store.repo('jobs').get(bob, 'j1'), null);
      assert.equal(await store.repo('jobs').getJson(aliceB, 'j1'), null);
      assert.deepEqual(await ids(alice), ['j1']);
      assert.deepEqual(await ids(bob), ['j3']);
      assert.deepEqual(await ids(aliceV1), ['j1', 'j2']);
      assert.ok(await store.repo('jobs').get(aliceV1, 'j2'));
    });

    it('refuses a taken id whoever owns it, and reports the owner', async () => {
      await put(alice, 'j1');
      await assert.rejects(put(bob, 'j1'), (e: unknown) => e instanceof DuplicateError && e.which === 'id');
      assert.deepEqual(await store.repo('jobs').ownerOf('j1'), { userId: 'alice', projectId: 'projA' });
      assert.deepEqual(await store.repo('jobs').ownerOf('nope'), null);
      await put(aliceV1, 'j2');
      assert.deepEqual(await store.repo('jobs').ownerOf('j2'), { userId: 'alice', projectId: null });
    });

    it('keeps a key unique per tenant (client_id) but not across tenants', async () => {
      const clients = store.repo('clients');
      const client = (uuid: string) => ({ id: uuid, key: 'host1', doc: { client: { uuid, client_id: 'host1' } } });
      await clients.insert(alice, client('u1'));
      await assert.rejects(clients.insert(alice, client('u2')), (e: unknown) => e instanceof DuplicateError && e.which === 'key');
      await clients.insert(bob, client('u3'));
      await clients.insert(aliceB, client('u4'));
      assert.equal(((await clients.get(aliceB, 'host1'))?.doc.client as Doc).uuid, 'u4');
      assert.equal(((await clients.get(aliceV1, 'host1'))?.doc.client as Doc).uuid, 'u1', 'v1 takes the first');
    });

    it('updates in place, keeping the list position; null from mutate changes nothing', async () => {
      for (const id of ['a', 'b', 'c']) await put(alice, id);
      const after = await store.repo('jobs').update(alice, 'a', (d) => ({ ...d, description: 'changed' }));
      assert.equal(after?.description, 'changed');
      assert.deepEqual(await ids(alice), ['a', 'b', 'c']);
      assert.equal((await store.repo('jobs').get(alice, 'a'))?.doc.description, 'changed');
      const same = await store.repo('jobs').update(alice, 'b', () => null);
      assert.equal(same?.description, 'job b');
      assert.equal(await store.repo('jobs').update(bob, 'a', (d) => d), null, 'out of scope');
      assert.equal(await store.repo('jobs').update(alice, 'zz', (d) => d), null, 'missing');
    });

    it('deletes only in scope, and a deleted id can be used again', async () => {
      await put(alice, 'j1');
      assert.equal(await store.repo('jobs').delete(bob, 'j1'), false);
      assert.ok(await store.repo('jobs').get(alice, 'j1'));
      assert.equal(await store.repo('jobs').delete(alice, 'j1'), true);
      assert.equal(await store.repo('jobs').delete(alice, 'j1'), false);
      assert.equal(await store.repo('jobs').get(alice, 'j1'), null);
      await put(bob, 'j1');
      assert.ok(await store.repo('jobs').get(bob, 'j1'));
    });

    it('pages in insertion order with limit and offset', async () => {
      for (let i = 0; i < 7; i++) await put(alice, `j${i}`);
      assert.deepEqual(await ids(alice, null, 2, 3), ['j3', 'j4']);
      assert.deepEqual(await ids(alice, null, null, 5), ['j5', 'j6']);
      assert.deepEqual(await ids(alice, null, 10, 10), []);
    });

    it('searches by leaf key anywhere, with match, match_not and null', async () => {
      await put(alice, 'a', job('a', { job_schedule: { status: 'completed' }, job_actions: [{ freezer_action: { backup_name: 'd1' } }] }));
      await put(alice, 'b', job('b', { job_schedule: { status: 'scheduled' }, client_id: 'host2' }));
      await put(alice, 'c', job('c', { client_id: 'host2' }));
      const q = (body: unknown) => ids(alice, parseSearch(body));
      assert.deepEqual(await q({ match: [{ backup_name: 'd1' }] }), ['a']);
      assert.deepEqual(await q({ match: [{ client_id: 'host2' }] }), ['b', 'c']);
      assert.deepEqual(await q({ match: [{ client_id: 'host2' }], match_not: [{ status: 'scheduled' }] }), ['c']);
      assert.deepEqual(await q({ match_not: [{ status: 'completed' }] }), ['b', 'c']);
      assert.deepEqual(await q({ match: [{ status: null }] }), ['c']);
      assert.deepEqual(await q({ match_not: [{ status: null }] }), ['a', 'b']);
      assert.deepEqual(await q({ match: [{ client_id: 'host2' }, { status: null }] }), ['c']);
      assert.deepEqual(await q({ match: [{ description: 'job b' }, { client_id: 'host1' }] }), []);
      assert.deepEqual(await q({ match: [{ 'job_schedule.status': 'completed' }] }), [], 'dotted keys are literal');
    });

    it('keeps search in step with updates and deletes, and within the scope', async () => {
      await put(alice, 'a', job('a', { job_schedule: { status: 'scheduled' } }));
      await put(bob, 'b', job('b', { job_schedule: { status: 'scheduled' } }));
      const scheduled = parseSearch({ match: [{ status: 'scheduled' }] });
      assert.deepEqual(await ids(alice, scheduled), ['a']);
      await store.repo('jobs').update(alice, 'a', (d) => ({ ...d, job_schedule: { status: 'completed' } }));
      assert.deepEqual(await ids(alice, scheduled), []);
      assert.deepEqual(await ids(alice, parseSearch({ match: [{ status: 'completed' }] })), ['a']);
      await store.repo('jobs').delete(alice, 'a');
      assert.deepEqual(await ids(alice, parseSearch({ match: [{ status: 'completed' }] })), []);
      assert.deepEqual(await ids(bob, scheduled), ['b']);
      assert.deepEqual(await ids(aliceV1, scheduled), []);
    });

    it('returns exactly what the reference matcher selects, for random documents and searches', async () => {
      const rnd = seeded(7);
      const values = ['x', 'y', 1, 2, true, null, { k: 'x' }, [1, 2]];
      const keys = ['status', 'client_id', 'k', 'backup_name'];
      const pickOne = <T>(list: T[]): T => list[Math.floor(rnd() * list.length)];
      const docs: Doc[] = [];
      for (let i = 0; i < 60; i++) {
        const doc: Doc = { job_id: `j${i}` };
        for (const k of keys) if (rnd() < 0.6) doc[k] = pickOne(values);
        if (rnd() < 0.5) doc.job_actions = [{ freezer_action: { [pickOne(keys)]: pickOne(values) } }];
        docs.push(doc);
        await put(alice, `j${i}`, doc);
      }
      for (let n = 0; n < 80; n++) {
        const cond = () => ({ [pickOne(keys)]: pickOne(values) });
        const search = parseSearch({
          match: Array.from({ length: Math.floor(rnd() * 3) }, cond),
          match_not: Array.from({ length: Math.floor(rnd() * 2) }, cond),
        });
        const expected = docs.filter((d) => !search || matches(d, search)).map((d) => d.job_id);
        const limit = pickOne([null, 3]);
        const offset = pickOne([0, 2]);
        const page = expected.slice(offset, limit === null ? undefined : offset + limit);
        assert.deepEqual(await ids(alice, search, limit, offset), page, JSON.stringify(search));
      }
    });
  });
}

/** A small deterministic PRNG (mulberry32), so failures reproduce. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
