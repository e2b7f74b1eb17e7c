import assert from 'node:assert/strict';
import { withStoreMetrics, type StoreObserver } from '../../../src/metrics/timed-store';
import { SqliteStore } from '../../../src/store/sqlite/sqlite-store';
import type { Store } from '../../../src/store/types';

describe('metrics: the store decorator', () => {
  it('metrics: repository and registry calls are timed by collection and method; a sub-store added later is timed without naming it', async () => {
    const timed: string[] = [];
    const inserted: string[] = [];
    const observer: StoreObserver = {
      timed: (c, op, seconds, ok) => {
        assert.ok(seconds >= 0);
        timed.push(`${c}.${op}.${ok ? 'ok' : 'error'}`);
      },
      inserted: (c, item) => inserted.push(`${c}:${item.id}`),
    };
    const inner = new SqliteStore({ file: ':memory:', synchronous: 'NORMAL', cacheMb: 8 });
    // A store with an accessor the decorator does not know (as a runs repository will be).
    const extra = { async count(): Promise<number> { return 7; }, async fail(): Promise<void> { throw new Error('boom'); } };
    const store = withStoreMetrics(Object.assign(Object.create(inner) as Store, { runs: () => extra }), observer);
    await store.start();
    try {
      const scope = { userId: 'u', projectId: 'p' };
      await store.repo('jobs').insert(scope, { id: 'j1', key: 'j1', doc: { job_id: 'j1' } });
      assert.equal((await store.repo('jobs').get(scope, 'j1'))?.doc.job_id, 'j1');
      await store.repo('jobs').insert(scope, { id: 'j1', key: 'j1', doc: { job_id: 'j1' } }).catch(() => undefined);
      await store.registry('users').list();
      const runs = (store as unknown as { runs(): typeof extra }).runs();
      assert.equal(await runs.count(), 7);
      await runs.fail().catch(() => undefined);
      assert.deepEqual(timed, ['jobs.insert.ok', 'jobs.get.ok', 'jobs.insert.error', 'users.list.ok', 'runs.count.ok', 'runs.fail.error']);
      assert.deepEqual(inserted, ['jobs:j1']);
      assert.equal(store.engine, inner.engine);
    } finally {
      await store.stop();
    }
  });
});
