import assert from 'node:assert/strict';
import { matches, parseSearch, type Search } from '../../src/search';
import type { RunPage } from '../../src/store/runs/runs-repository';
import {
  COLLECTIONS,
  DuplicateError,
  REGISTRIES,
  REGISTRY_KEYS,
  type Doc,
  type RegistryName,
  type Scope,
  type Store,
} from '../../src/store/types';

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

    it('lets an unlimited v1 scope update and delete its user\'s documents of every project', async () => {
      await put(alice, 'a1');
      await put(aliceB, 'b1');
      assert.equal((await store.repo('jobs').update(aliceV1, 'a1', (d) => ({ ...d, description: 'v1 wrote' })))?.description, 'v1 wrote');
      assert.equal((await store.repo('jobs').get(alice, 'a1'))?.doc.description, 'v1 wrote');
      assert.equal(await store.repo('jobs').delete(aliceV1, 'b1'), true);
      assert.equal(await store.repo('jobs').get(aliceB, 'b1'), null);
    });

    it('lists every document of the scope without a search, whatever its keys', async () => {
      // Keys named after JavaScript's missing values are ordinary keys: no list may take them for a condition.
      await put(alice, 'u', job('u', { undefined: null, null: null }));
      await put(alice, 'v', job('v'));
      assert.deepEqual(await ids(alice), ['u', 'v']);
      assert.deepEqual(await ids(aliceV1), ['u', 'v']);
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

    it('trust 6: a v1 scope limited by project reads those projects (and v1 documents), and changes only the writable ones', async () => {
      const projC: Scope = { userId: 'alice', projectId: 'projC' };
      await put(alice, 'a1');
      await put(aliceB, 'b1', job('b1', { tag: 'x' }));
      await put(projC, 'c1', job('c1', { tag: 'x' }));
      await put(aliceV1, 'v1');
      await store.repo('clients').insert(projC, { id: 'uc', key: 'hostc', doc: { client: { client_id: 'hostc' } } });
      const limited: Scope = { ...aliceV1, projects: { read: ['projA', 'projB'], write: ['projA'] } };
      assert.deepEqual(await ids(limited), ['a1', 'b1', 'v1']);
      assert.deepEqual(await ids(limited, parseSearch({ match: [{ tag: 'x' }] })), ['b1'], 'term-driven search');
      assert.deepEqual(await ids(limited, parseSearch({ match_not: [{ tag: 'nothing' }] })), ['a1', 'b1', 'v1']);
      assert.deepEqual(await ids(limited, parseSearch({ match: [{ tag: null }] })), ['a1', 'v1'], 'residual (null) search');
      assert.equal(await store.repo('jobs').get(limited, 'c1'), null);
      assert.equal(await store.repo('jobs').getJson(limited, 'c1'), null);
      assert.equal(await store.repo('clients').get(limited, 'hostc'), null);
      assert.equal(await store.repo('jobs').update(limited, 'c1', (d) => ({ ...d, tag: 'y' })), null);
      assert.equal(await store.repo('jobs').delete(limited, 'c1'), false);
      await assert.rejects(store.repo('jobs').update(limited, 'b1', (d) => ({ ...d, tag: 'y' })), (e: unknown) => (e as { status?: number }).status === 403);
      await assert.rejects(store.repo('jobs').delete(limited, 'b1'), (e: unknown) => (e as { status?: number }).status === 403);
      assert.equal((await store.repo('jobs').update(limited, 'a1', (d) => ({ ...d, tag: 'y' })))?.tag, 'y');
      assert.equal((await store.repo('jobs').update(limited, 'v1', (d) => ({ ...d, tag: 'y' })))?.tag, 'y');
      assert.deepEqual((await store.repo('jobs').get(aliceV1, 'b1'))?.doc.tag, 'x', 'the refused update changed nothing');
      assert.ok(await store.repo('jobs').get(aliceV1, 'c1'), 'an unlimited v1 scope still sees every project');
      const none: Scope = { ...aliceV1, projects: { read: [], write: [] } };
      assert.deepEqual(await ids(none), ['v1']);
      assert.equal(await store.repo('jobs').delete(limited, 'v1'), true);
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

    it('updates atomically: 50 concurrent increments all land; of 100 concurrent "start if idle", exactly one starts', async () => {
      await put(alice, 'j1', job('j1', { n: 0 }));
      await Promise.all(Array.from({ length: 50 }, () => store.repo('jobs').update(alice, 'j1', (d) => ({ ...d, n: (d.n as number) + 1 }))));
      assert.equal((await store.repo('jobs').get(alice, 'j1'))?.doc.n, 50);
      await put(alice, 'j2', job('j2', { state: 'idle' }));
      const answers = await Promise.all(
        Array.from({ length: 100 }, (_, i) => store.repo('jobs').update(alice, 'j2', (d) => (d.state === 'idle' ? { ...d, state: 'running', by: i } : null))),
      );
      // The winner gets back its own write; everyone else the document the winner wrote.
      const winners = answers.filter((d, i) => d?.by === i);
      assert.equal(winners.length, 1);
      assert.ok(answers.every((d) => d?.state === 'running' && d.by === winners[0]?.by));
    });

    it('scans every document with its owner, whatever the scope, in insertion order', async () => {
      await put(alice, 'j1');
      await put(bob, 'j2');
      await put(aliceV1, 'j3');
      await store.repo('jobs').update(alice, 'j1', (d) => ({ ...d, description: 'changed' }));
      await store.repo('jobs').delete(bob, 'j2');
      await put(aliceB, 'j4');
      const seen: Array<[string, string, string | null, unknown]> = [];
      for await (const { owner, item } of store.repo('jobs').scan()) seen.push([item.id, owner.userId, owner.projectId, item.doc.description]);
      assert.deepEqual(seen, [
        ['j1', 'alice', 'projA', 'changed'],
        ['j3', 'alice', null, 'job j3'],
        ['j4', 'alice', 'projB', 'job j4'],
      ]);
      const clients: string[] = [];
      await store.repo('clients').insert(bob, { id: 'u1', key: 'c1', doc: { client: { client_id: 'c1' } } });
      for await (const { item } of store.repo('clients').scan()) clients.push(`${item.id}/${item.key}`);
      assert.deepEqual(clients, ['u1/c1']);
    });

    describe('runs', () => {
      const run = (id: string, jobId: string, created: number, extra: Doc = {}): Doc => ({
        run_id: id,
        job_id: jobId,
        client_id: 'host1',
        status: 'success',
        created_at: created,
        updated_at: created,
        ...extra,
      });
      const runIds = async (scope: Scope, page: Partial<RunPage> = {}) =>
        (await store.runs().list(scope, { limit: 100, offset: 0, ...page })).map((j) => (JSON.parse(j) as Doc).run_id);

      it('lists a job\'s runs newest first, with paging', async () => {
        for (let i = 0; i < 5; i++) await store.runs().insert(alice, run(`r${i}`, 'j1', 1000 + i));
        await store.runs().insert(alice, run('other', 'j2', 2000));
        assert.deepEqual(await runIds(alice, { jobId: 'j1' }), ['r4', 'r3', 'r2', 'r1', 'r0']);
        assert.deepEqual(await runIds(alice, { jobId: 'j1', limit: 2, offset: 1 }), ['r3', 'r2']);
        assert.deepEqual(await runIds(alice), ['other', 'r4', 'r3', 'r2', 'r1', 'r0']);
        assert.deepEqual(JSON.parse((await store.runs().getJson(alice, 'r2')) ?? 'null'), run('r2', 'j1', 1002));
      });

      it('filters by status, client and time range (since inclusive, until exclusive)', async () => {
        await store.runs().insert(alice, run('a', 'j1', 100, { status: 'fail' }));
        await store.runs().insert(alice, run('b', 'j1', 200, { client_id: 'host2' }));
        await store.runs().insert(alice, run('c', 'j2', 300, { status: 'running' }));
        assert.deepEqual(await runIds(alice, { status: 'fail' }), ['a']);
        assert.deepEqual(await runIds(alice, { clientId: 'host2' }), ['b']);
        assert.deepEqual(await runIds(alice, { since: 200 }), ['c', 'b']);
        assert.deepEqual(await runIds(alice, { since: 100, until: 300 }), ['b', 'a']);
        assert.deepEqual(await runIds(alice, { jobId: 'j1', status: 'success' }), ['b']);
      });

      it('scopes runs as jobs: project, user, v1, v1 project access, client-limited tokens', async () => {
        await store.runs().insert(alice, run('a', 'j1', 1));
        await store.runs().insert(aliceB, run('b', 'j2', 2, { client_id: 'host2' }));
        await store.runs().insert(bob, run('c', 'j3', 3));
        await store.runs().insert(aliceV1, run('d', 'j4', 4));
        assert.deepEqual(await runIds(alice), ['a']);
        assert.deepEqual(await runIds(bob), ['c']);
        assert.deepEqual(await runIds(aliceV1), ['d', 'b', 'a']);
        assert.deepEqual(await runIds({ ...aliceV1, projects: { read: ['projB'], write: [] } }), ['d', 'b']);
        assert.deepEqual(await runIds({ ...aliceV1, clientId: 'host2' }), ['b']);
        assert.deepEqual(await runIds({ ...alice, clientId: 'host2' }), []);
        assert.equal(await store.runs().get(bob, 'a'), null);
        assert.equal(await store.runs().get({ ...alice, clientId: 'host2' }, 'a'), null);
        assert.equal(await store.runs().update(bob, 'a', (d) => ({ ...d, status: 'fail' })), null);
        await assert.rejects(store.runs().insert({ ...alice, clientId: 'host2' }, run('e', 'j1', 5)), (e: unknown) => {
          assert.equal((e as { status?: number }).status, 403);
          assert.match((e as { description?: string }).description ?? '', /limited to client 'host2': it cannot write runs of another client/);
          return true;
        });
        await store.runs().insert({ ...alice, clientId: 'host1' }, run('e', 'j1', 5));
        assert.deepEqual(await runIds({ ...alice, clientId: 'host1' }), ['e', 'a'], 'a client-limited token files runs of its own client');
        await assert.rejects(
          store.runs().update({ ...aliceV1, projects: { read: ['projA'], write: [] } }, 'a', (d) => d),
          (e: unknown) => (e as { status?: number }).status === 403,
        );
        await assert.rejects(store.runs().insert(alice, run('a', 'j1', 9)), (e: unknown) => e instanceof DuplicateError);
      });

      it('updates atomically and keeps the indexed columns in step with the document', async () => {
        await store.runs().insert(alice, run('a', 'j1', 1, { status: 'running', n: 0 }));
        await Promise.all(Array.from({ length: 20 }, () => store.runs().update(alice, 'a', (d) => ({ ...d, n: (d.n as number) + 1 }))));
        assert.equal((await store.runs().get(alice, 'a'))?.n, 20);
        assert.equal((await store.runs().openRunOf('j1'))?.doc.run_id, 'a');
        await store.runs().update(alice, 'a', (d) => ({ ...d, status: 'fail', updated_at: 50 }));
        assert.deepEqual(await runIds(alice, { status: 'fail' }), ['a']);
        assert.equal(await store.runs().openRunOf('j1'), null);
      });

      it('finds open runs idle since a time, oldest write first, with their owners', async () => {
        await store.runs().insert(alice, run('a', 'j1', 1, { status: 'running', updated_at: 30 }));
        await store.runs().insert(aliceV1, run('b', 'j2', 2, { status: 'queued', updated_at: 10 }));
        await store.runs().insert(alice, run('c', 'j3', 3, { status: 'success', updated_at: 5 }));
        await store.runs().insert(alice, run('d', 'j4', 4, { status: 'running', updated_at: 100 }));
        const idle = await store.runs().openIdleSince(50, 10);
        assert.deepEqual(idle.map((r) => r.doc.run_id), ['b', 'a']);
        assert.deepEqual(idle[0].owner, { userId: 'alice', projectId: null });
        assert.deepEqual((await store.runs().openIdleSince(50, 1)).map((r) => r.doc.run_id), ['b']);
      });

      it('writes held progress in place to open runs last written before it, and names them', async () => {
        await store.runs().insert(alice, run('a', 'j1', 1, { status: 'running', updated_at: 10, steps: [{ action: 'backup' }] }));
        await store.runs().insert(aliceV1, run('b', 'j2', 2, { status: 'queued', updated_at: 10 }));
        await store.runs().insert(alice, run('c', 'j3', 3, { status: 'success', updated_at: 10 }));
        await store.runs().insert(alice, run('d', 'j4', 4, { status: 'running', updated_at: 50 }));
        const progress = { phase: 'backup', bytes_done: 7, pct_complete: 12.5 };
        const at = 20.123;
        const written = await store.runs().writeProgress(['a', 'b', 'c', 'd', 'missing'].map((runId) => ({ runId, progress, updatedAt: at })));
        assert.deepEqual(written.sort(), ['a', 'b'], 'not an ended run, one written since, or none');
        assert.deepEqual(await store.runs().get(alice, 'a'), run('a', 'j1', 1, { status: 'running', updated_at: at, steps: [{ action: 'backup' }], progress }));
        assert.equal((await store.runs().get(aliceV1, 'b'))?.updated_at, at);
        assert.equal((await store.runs().get(alice, 'c'))?.progress, undefined);
        assert.equal((await store.runs().get(alice, 'd'))?.updated_at, 50);
        assert.deepEqual((await store.runs().openIdleSince(30, 10)).map((r) => r.doc.run_id).sort(), ['a', 'b'], 'the column follows');
        assert.deepEqual((await store.runs().openIdleSince(20, 10)).map((r) => r.doc.run_id), []);
      });

      it('prunes ended runs by age and beyond a count per job, in batches, never open ones', async () => {
        for (let i = 0; i < 6; i++) await store.runs().insert(alice, run(`r${i}`, 'j1', 10 + i, { status: i === 0 ? 'running' : 'success' }));
        await store.runs().insert(alice, run('x', 'j2', 1));
        assert.equal(await store.runs().pruneJobBeyond('j1', 2, 2), 2);
        assert.equal(await store.runs().pruneJobBeyond('j1', 2, 10), 1);
        assert.deepEqual(await runIds(alice, { jobId: 'j1' }), ['r5', 'r4', 'r0']);
        assert.equal(await store.runs().pruneOlderThan(15, 10), 2);
        assert.deepEqual(await runIds(alice), ['r5', 'r0']);
        assert.equal(await store.runs().pruneOlderThan(100, 10), 1);
        assert.deepEqual(await runIds(alice), ['r0']);
      });
    });

    describe('registries', () => {
      // A plausible record of each registry; `name` is ignored by revocations, which have none.
      const record = (kind: RegistryName, id: string, name = `name-${id}`, extra: Doc = {}): Doc => {
        const base: Record<RegistryName, Doc> = {
          projects: { id, name, domain_id: 'default', enabled: true },
          users: { id, name, domain_id: 'default', enabled: true, password_hash: 'x' },
          roles: { id, name },
          credentials: { id, name, user_id: 'u1', secret_hash: 'x', roles: [{ id: 'r1' }] },
          revocations: { id, audit_id: `audit-${id}`, issued_before: '2024-01-01T00:00:00Z' },
        };
        return { ...base[kind], ...extra };
      };
      const cred = (id: string, user: string, name: string) => record('credentials', id, name, { user_id: user });
      const nameOf = (kind: RegistryName, doc: Doc) => REGISTRY_KEYS[kind].name(doc);
      const isDup = (which: 'id' | 'key') => (e: unknown) => e instanceof DuplicateError && e.which === which;
      const idsOf = (docs: Doc[]) => docs.map((d) => d.id);

      it('round-trips a record of every registry by id and by derived name', async () => {
        for (const kind of REGISTRIES) {
          const doc = record(kind, 'r1', 'first', { nested: { a: [1, { b: 'ü' }] }, n: null });
          await store.registry(kind).insert(doc);
          assert.deepEqual(await store.registry(kind).get('r1'), doc, kind);
          const name = nameOf(kind, doc);
          if (name !== null) assert.deepEqual(await store.registry(kind).getByName(name), doc, kind);
          assert.equal(await store.registry(kind).get('missing'), null, kind);
          assert.equal(await store.registry(kind).getByName('missing'), null, kind);
        }
      });

      it('refuses a taken id or name within a registry, and keeps nothing of the refused insert', async () => {
        const projects = store.registry('projects');
        await projects.insert(record('projects', 'p1', 'admin'));
        await assert.rejects(projects.insert(record('projects', 'p1', 'other')), isDup('id'));
        await assert.rejects(projects.insert(record('projects', 'p2', 'admin')), isDup('key'));
        assert.deepEqual(idsOf(await projects.list()), ['p1']);
        assert.equal(await projects.getByName('other'), null);
        assert.equal(await projects.get('p2'), null);
      });

      it('allows the same id and name in different registries, and records without names', async () => {
        for (const kind of REGISTRIES) await store.registry(kind).insert(record(kind, 'same', 'admin'));
        for (const kind of REGISTRIES) assert.equal((await store.registry(kind).get('same'))?.id, 'same', kind);
        assert.deepEqual((await store.registry('users').getByName('admin'))?.password_hash, 'x');
        assert.equal((await store.registry('roles').getByName('admin'))?.password_hash, undefined);
        // Revocations derive no name, so any number of them coexist.
        await store.registry('revocations').insert(record('revocations', 'other'));
        assert.deepEqual(idsOf(await store.registry('revocations').list()), ['same', 'other']);
      });

      it('keeps credential names unique per user', async () => {
        const creds = store.registry('credentials');
        await creds.insert(cred('c1', 'u1', 'backup'));
        await creds.insert(cred('c2', 'u2', 'backup'));
        await assert.rejects(creds.insert(cred('c3', 'u1', 'backup')), isDup('key'));
        assert.equal((await creds.getByName(nameOf('credentials', cred('', 'u1', 'backup')) ?? ''))?.id, 'c1');
        assert.equal((await creds.getByName(nameOf('credentials', cred('', 'u2', 'backup')) ?? ''))?.id, 'c2');
        assert.equal(await creds.get('c3'), null);
      });

      it('lists in insertion order, all or by parent', async () => {
        const creds = store.registry('credentials');
        // Ids out of alphabetical order, users interleaved, so neither order can pass by chance.
        const order: Array<[string, string]> = [['c9', 'u1'], ['c2', 'u2'], ['c5', 'u1'], ['c1', 'u2'], ['c7', 'u1']];
        for (const [id, user] of order) await creds.insert(cred(id, user, `n-${id}`));
        assert.deepEqual(idsOf(await creds.list()), ['c9', 'c2', 'c5', 'c1', 'c7']);
        assert.deepEqual(idsOf(await creds.list('u1')), ['c9', 'c5', 'c7']);
        assert.deepEqual(idsOf(await creds.list('u2')), ['c2', 'c1']);
        assert.deepEqual(await creds.list('nobody'), []);
        assert.deepEqual(await store.registry('projects').list(), [], 'registries do not share records');
        await creds.update('c9', (d) => ({ ...d, description: 'changed' }));
        assert.deepEqual(idsOf(await creds.list()), ['c9', 'c2', 'c5', 'c1', 'c7'], 'update keeps the position');
      });

      it('updates and persists, deriving name and parent again', async () => {
        const projects = store.registry('projects');
        await projects.insert(record('projects', 'p1', 'old'));
        const after = await projects.update('p1', (d) => ({ ...d, name: 'new', enabled: false }));
        assert.deepEqual(after, record('projects', 'p1', 'new', { enabled: false }));
        assert.deepEqual(await projects.get('p1'), after);
        assert.deepEqual(await projects.getByName('new'), after);
        assert.equal(await projects.getByName('old'), null);
        await projects.insert(record('projects', 'p2', 'old'));
        assert.equal((await projects.getByName('old'))?.id, 'p2', 'the old name is free again');

        const creds = store.registry('credentials');
        await creds.insert(cred('c1', 'u1', 'backup'));
        await creds.update('c1', (d) => ({ ...d, user_id: 'u2' }));
        assert.deepEqual(idsOf(await creds.list('u1')), []);
        assert.deepEqual(idsOf(await creds.list('u2')), ['c1']);
        assert.equal((await creds.getByName(nameOf('credentials', cred('', 'u2', 'backup')) ?? ''))?.id, 'c1');
      });

      it('refuses an update to a taken name and changes nothing', async () => {
        const projects = store.registry('projects');
        await projects.insert(record('projects', 'p1', 'a'));
        await projects.insert(record('projects', 'p2', 'b'));
        await assert.rejects(projects.update('p2', (d) => ({ ...d, name: 'a', enabled: false })), isDup('key'));
        assert.deepEqual(await projects.get('p2'), record('projects', 'p2', 'b'));
        assert.equal((await projects.getByName('a'))?.id, 'p1');
        assert.equal((await projects.getByName('b'))?.id, 'p2');

        // Moving a credential to a user who already has one of that name is a clash too.
        const creds = store.registry('credentials');
        await creds.insert(cred('c1', 'u1', 'backup'));
        await creds.insert(cred('c2', 'u2', 'backup'));
        await assert.rejects(creds.update('c2', (d) => ({ ...d, user_id: 'u1' })), isDup('key'));
        assert.deepEqual(await creds.get('c2'), cred('c2', 'u2', 'backup'));
        assert.deepEqual(idsOf(await creds.list('u1')), ['c1']);
        assert.deepEqual(idsOf(await creds.list('u2')), ['c2']);
      });

      it('answers null for a missing id, and keeps the record when mutate returns null', async () => {
        const roles = store.registry('roles');
        let called = false;
        assert.equal(
          await roles.update('missing', (d) => {
            called = true;
            return d;
          }),
          null,
        );
        assert.equal(called, false, 'mutate is not called without a record');
        await roles.insert(record('roles', 'r1', 'admin'));
        const same = await roles.update('r1', (d) => {
          d.name = 'mutated in place';
          return null;
        });
        assert.deepEqual(same, record('roles', 'r1', 'admin'));
        assert.deepEqual(await roles.get('r1'), record('roles', 'r1', 'admin'));
        assert.equal((await roles.getByName('admin'))?.id, 'r1');
      });

      it('deletes, and a deleted id and name can be used again', async () => {
        const users = store.registry('users');
        await users.insert(record('users', 'u1', 'alice'));
        await users.insert(record('users', 'u2', 'bob'));
        assert.equal(await users.delete('u1'), true);
        assert.equal(await users.delete('u1'), false);
        assert.equal(await users.delete('never'), false);
        assert.equal(await users.get('u1'), null);
        assert.equal(await users.getByName('alice'), null);
        assert.deepEqual(idsOf(await users.list()), ['u2']);
        await users.insert(record('users', 'u1', 'alice', { enabled: false }));
        assert.equal((await users.getByName('alice'))?.enabled, false);
        assert.deepEqual(idsOf(await users.list()), ['u2', 'u1']);
      });

      it('keeps registry records and tenant documents apart', async () => {
        const scope: Scope = { userId: 'shared', projectId: 'shared' };
        for (const kind of REGISTRIES) await store.registry(kind).insert(record(kind, 'reg-only'));
        for (const c of COLLECTIONS) {
          assert.equal(await store.repo(c).get(scope, 'reg-only'), null, c);
          assert.equal(await store.repo(c).ownerOf('reg-only'), null, c);
          assert.deepEqual(await store.repo(c).listJson(aliceV1, { search: null, limit: null, offset: 0 }), [], c);
        }
        // The same id on both sides is no clash, and each side keeps its own document.
        await put(alice, 'both');
        await store.registry('projects').insert(record('projects', 'both', 'both'));
        await put(alice, 'job-only');
        assert.equal((await store.repo('jobs').get(alice, 'both'))?.doc.job_id, 'both');
        assert.equal((await store.registry('projects').get('both'))?.job_id, undefined);
        for (const kind of REGISTRIES) {
          assert.equal(await store.registry(kind).get('job-only'), null, kind);
          assert.equal(await store.registry(kind).getByName('job job-only'), null, kind);
        }
        assert.deepEqual(idsOf(await store.registry('projects').list()), ['reg-only', 'both']);
      });

      it('serialises concurrent updates: none is lost', async () => {
        const users = store.registry('users');
        await users.insert(record('users', 'u1', 'alice', { counter: 0 }));
        const results = await Promise.all(
          Array.from({ length: 50 }, () => users.update('u1', (d) => ({ ...d, counter: (d.counter as number) + 1 }))),
        );
        assert.equal((await users.get('u1'))?.counter, 50);
        // Each update saw the one before it: the written counters are exactly 1..50.
        const seen = results.map((d) => d?.counter as number).sort((a, b) => a - b);
        assert.deepEqual(seen, Array.from({ length: 50 }, (_, i) => i + 1));
      });

      it('lets exactly one of concurrent inserts take a name', async () => {
        const roles = store.registry('roles');
        const outcomes = await Promise.allSettled(
          Array.from({ length: 10 }, (_, i) => roles.insert(record('roles', `r${i}`, 'admin'))),
        );
        assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1);
        for (const o of outcomes) if (o.status === 'rejected') assert.ok(isDup('key')(o.reason), String(o.reason));
        assert.equal((await roles.list()).length, 1);
        assert.equal((await roles.getByName('admin'))?.id, (await roles.list())[0].id);
      });
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
