import assert from 'node:assert/strict';
import type { SqliteFreshness } from '../../../src/store/sqlite/sqlite-freshness';
import { SqliteStore } from '../../../src/store/sqlite/sqlite-store';
import type { Scope } from '../../../src/store/types';

/**
 * "Which jobs are stale?" must not read every record (nor any run): each list shape and the
 * sweep's queries are checked against SQLite's plan (no full SCAN, no temporary B-tree for ORDER BY).
 */
describe('SqliteFreshness query plans', () => {
  let store: SqliteStore;
  let fresh: SqliteFreshness;
  before(async () => {
    store = new SqliteStore({ file: ':memory:', synchronous: 'NORMAL', cacheMb: 8 });
    await store.start();
    fresh = store.freshness() as SqliteFreshness;
  });
  after(() => store.stop());

  const v2: Scope = { userId: 'alice', projectId: 'projA' };
  const cases: Array<[string, Scope, { stale?: boolean; clientId?: string }]> = [
    ['v2', v2, {}],
    ['v2 stale', v2, { stale: true }],
    ['v2 client', v2, { clientId: 'h' }],
    ['v1', { userId: 'alice', projectId: null }, {}],
    ['v1 limited', { userId: 'alice', projectId: null, projects: { read: ['p'], write: [] } }, { stale: false }],
  ];
  for (const [name, scope, query] of cases) {
    it(`${name}: through an index, in order`, () => {
      const plan = fresh.explainJobs(scope, { limit: 10, offset: 0, ...query }).join(' | ');
      assert.doesNotMatch(plan, /SCAN freshness_jobs(?! USING)|TEMP B-TREE/, plan);
      assert.match(plan, /USING (COVERING )?INDEX freshness_jobs_|USING PRIMARY KEY/, plan);
    });
  }

  it('the sweep reads only what is due, through the partial indexes', () => {
    const plan = fresh.explainDue().join(' | ');
    assert.doesNotMatch(plan, /TEMP B-TREE/, plan);
    assert.match(plan, /freshness_jobs_due/, plan);
    assert.match(plan, /freshness_clients_due/, plan);
  });
});
