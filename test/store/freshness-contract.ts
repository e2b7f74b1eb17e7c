import assert from 'node:assert/strict';
import type { ClientFreshness, JobFreshness } from '../../src/store/freshness-types';
import type { Scope, Store } from '../../src/store/types';

/**
 * The behaviour every engine's freshness records must have (store.freshness()). Each adapter's
 * test file calls this with a factory for a fresh, started, empty store.
 */
export function freshnessContract(engine: string, makeStore: () => Promise<Store>): void {
  describe(`freshness store contract: ${engine}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await makeStore();
    });
    afterEach(async () => {
      await store.stop();
    });

    const alice: Scope = { userId: 'alice', projectId: 'projA' };
    const job = (id: string, extra: Partial<JobFreshness> = {}): JobFreshness => ({
      job_id: id,
      user_id: 'alice',
      project_id: 'projA',
      client_id: 'host1',
      description: `job ${id}`,
      schedule: { schedule_interval: '1 hours' },
      since: 1000,
      last_success_at: null,
      last_run: null,
      next_expected_at: 4600,
      expected_interval: 3600,
      stale_at: 8200,
      stale: false,
      stale_since: null,
      ...extra,
    });
    const put = (r: JobFreshness) => store.freshness().updateJob(r.job_id, () => r);
    const ids = async (scope: Scope, query: Partial<Parameters<ReturnType<Store['freshness']>['listJobs']>[1]> = {}) =>
      (await store.freshness().listJobs(scope, { limit: 100, offset: 0, ...query })).map((r) => r.job_id);

    it('round-trips a job record, creates it through updateJob and reports before and after', async () => {
      const r = job('j1', { last_run: { run_id: 'r1', status: 'fail', ended_at: 5000.5, reason: 'ü exit 2' } });
      const first = await put(r);
      assert.deepEqual(first, { before: null, after: r });
      assert.deepEqual(await store.freshness().getJob('j1'), r);
      const second = await store.freshness().updateJob('j1', (cur) => (cur ? { ...cur, stale: true, stale_since: 8200 } : null));
      assert.deepEqual(second.before, r);
      assert.deepEqual(second.after, { ...r, stale: true, stale_since: 8200 });
      const none = await store.freshness().updateJob('j1', () => null);
      assert.deepEqual(none.after, none.before, 'a null mutation keeps the record');
      assert.equal(await store.freshness().getJob('nope'), null);
      assert.deepEqual(await store.freshness().updateJob('nope', () => null), { before: null, after: null });
    });

    it('lists a tenant only, in job_id order, filtered by stale and client, paged; v1 sees the user everywhere', async () => {
      await put(job('b', { stale: true, stale_since: 1 }));
      await put(job('a'));
      await put(job('c', { client_id: 'host2' }));
      await put(job('d', { project_id: 'projB' }));
      await put(job('e', { user_id: 'bob' }));
      await put(job('f', { project_id: null }));
      assert.deepEqual(await ids(alice), ['a', 'b', 'c']);
      assert.deepEqual(await ids(alice, { stale: true }), ['b']);
      assert.deepEqual(await ids(alice, { stale: false }), ['a', 'c']);
      assert.deepEqual(await ids(alice, { clientId: 'host2' }), ['c']);
      assert.deepEqual(await ids(alice, { clientId: 'host1', stale: false }), ['a']);
      assert.deepEqual(await ids(alice, { limit: 1, offset: 1 }), ['b']);
      assert.deepEqual(await ids({ userId: 'alice', projectId: null }), ['a', 'b', 'c', 'd', 'f']);
      assert.deepEqual(await ids({ userId: 'alice', projectId: null, projects: { read: ['projB'], write: [] } }), ['d', 'f']);
      assert.deepEqual(await ids({ userId: 'bob', projectId: 'projA' }), ['e']);
      assert.deepEqual(await ids({ ...alice, clientId: 'host2' }), ['c'], 'a client-limited scope sees its client only');
      assert.deepEqual(await ids({ ...alice, clientId: 'host2' }, { clientId: 'host1' }), []);
    });

    it('finds the due jobs (not stale, deadline passed) earliest first, and forgets deleted ones', async () => {
      await put(job('late', { stale_at: 300 }));
      await put(job('later', { stale_at: 200 }));
      await put(job('future', { stale_at: 9000 }));
      await put(job('never', { stale_at: null }));
      await put(job('already', { stale_at: 100, stale: true, stale_since: 100 }));
      assert.deepEqual((await store.freshness().dueJobs(1000, 10)).map((r) => r.job_id), ['later', 'late']);
      assert.deepEqual((await store.freshness().dueJobs(1000, 1)).map((r) => r.job_id), ['later']);
      assert.equal(await store.freshness().deleteJob('later'), true);
      assert.equal(await store.freshness().deleteJob('later'), false);
      assert.deepEqual((await store.freshness().dueJobs(1000, 10)).map((r) => r.job_id), ['late']);
    });

    it('keeps client records per tenant and client_id; lists by silent; finds the due ones', async () => {
      const client = (id: string, extra: Partial<ClientFreshness> = {}): ClientFreshness => ({
        client_id: id, user_id: 'alice', project_id: 'projA', hostname: `${id}.example`, last_seen_at: 100, silent: false, silent_since: null, ...extra,
      });
      const put2 = (owner: { userId: string; projectId: string | null }, c: ClientFreshness) => store.freshness().updateClient(owner, c.client_id, () => c);
      const a = { userId: 'alice', projectId: 'projA' };
      await put2(a, client('h2', { last_seen_at: 50 }));
      await put2(a, client('h1', { silent: true, silent_since: 400 }));
      await put2({ userId: 'alice', projectId: 'projB' }, client('h1', { project_id: 'projB', last_seen_at: 500 }));
      await put2({ userId: 'bob', projectId: 'projA' }, client('h3', { user_id: 'bob' }));
      assert.equal((await store.freshness().getClient(a, 'h1'))?.silent, true);
      assert.equal((await store.freshness().getClient({ userId: 'alice', projectId: 'projB' }, 'h1'))?.silent, false);
      const list = async (scope: Scope, silent?: boolean) => (await store.freshness().listClients(scope, { limit: 10, offset: 0, ...(silent === undefined ? {} : { silent }) })).map((c) => `${c.client_id}@${c.project_id}`);
      assert.deepEqual(await list(alice), ['h1@projA', 'h2@projA']);
      assert.deepEqual(await list(alice, true), ['h1@projA']);
      assert.deepEqual(await list(alice, false), ['h2@projA']);
      assert.deepEqual((await list({ userId: 'alice', projectId: null })).sort(), ['h1@projA', 'h1@projB', 'h2@projA']);
      assert.deepEqual((await store.freshness().dueClients(200, 10)).map((c) => c.client_id), ['h2', 'h3']);
      const seen = await store.freshness().updateClient(a, 'h2', (cur) => (cur ? { ...cur, last_seen_at: 900 } : null));
      assert.equal(seen.after?.last_seen_at, 900);
      assert.deepEqual((await store.freshness().dueClients(200, 10)).map((c) => c.client_id), ['h3']);
    });

    it('remembers that the backfill was done; the marker is in no list and due for nothing', async () => {
      assert.equal(await store.freshness().isBackfilled(), false);
      await store.freshness().markBackfilled();
      await store.freshness().markBackfilled();
      assert.equal(await store.freshness().isBackfilled(), true);
      assert.deepEqual(await store.freshness().dueClients(Number.MAX_SAFE_INTEGER, 10), []);
      assert.deepEqual(await store.freshness().listClients({ userId: '', projectId: null }, { limit: 10, offset: 0 }), []);
      const scanned = [];
      for await (const c of store.freshness().scanSeenClients()) scanned.push(c);
      assert.deepEqual(scanned, []);
    });

    it('scans every seen client of every tenant, across pages, once each (the /metrics family)', async () => {
      const seenAt = (i: number) => (i % 7 === 0 ? null : 1000 + i);
      for (let i = 0; i < 1203; i++) {
        const owner = { userId: `u${i % 3}`, projectId: i % 5 === 0 ? null : `p${i % 2}` };
        await store.freshness().updateClient(owner, `c${i}`, () => ({
          client_id: `c${i}`, user_id: owner.userId, project_id: owner.projectId, hostname: null, last_seen_at: seenAt(i), silent: i % 2 === 0, silent_since: null,
        }));
      }
      const got: string[] = [];
      for await (const c of store.freshness().scanSeenClients()) got.push(`${c.client_id}:${String(c.last_seen_at)}`);
      const expected = [...Array(1203).keys()].filter((i) => seenAt(i) !== null).map((i) => `c${i}:${String(seenAt(i))}`);
      assert.deepEqual(got.sort(), expected.sort());
    });

    it('concurrent updates of one record all apply (atomic read-modify-write)', async () => {
      await put(job('n', { since: 0 }));
      await Promise.all(Array.from({ length: 20 }, () => store.freshness().updateJob('n', (cur) => (cur ? { ...cur, since: cur.since + 1 } : null))));
      assert.equal((await store.freshness().getJob('n'))?.since, 20);
    });
  });
}
