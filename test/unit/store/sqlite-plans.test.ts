import assert from 'node:assert/strict';
import { parseSearch } from '../../../src/search';
import { SqliteRepository } from '../../../src/store/sqlite/sqlite-repository';
import { SqliteStore } from '../../../src/store/sqlite/sqlite-store';
import type { Scope } from '../../../src/store/types';

/**
 * Lists and searches must not read a tenant's whole collection: every list query shape is
 * checked against SQLite's query plan (a full "SCAN" of a table, or a temporary B-tree for
 * ORDER BY, would mean work proportional to the collection).
 */
describe('SqliteRepository query plans', () => {
  let store: SqliteStore;
  let repo: SqliteRepository;
  const v2: Scope = { userId: 'alice', projectId: 'projA' };
  const v1: Scope = { userId: 'alice', projectId: null };

  before(async () => {
    store = new SqliteStore({ file: ':memory:', synchronous: 'NORMAL', cacheMb: 8 });
    await store.start();
    repo = store.repo('jobs') as SqliteRepository;
    // Give the planner statistics close to a big tenant, so it picks what it would in production.
    for (let i = 0; i < 300; i++) {
      const doc = { job_id: `j${i}`, client_id: `host${i % 3}`, job_schedule: { status: i % 2 ? 'completed' : 'scheduled' } };
      await repo.insert(v2, { id: `j${i}`, key: `j${i}`, doc });
    }
  });
  after(() => store.stop());

  const cases: Array<[string, Scope, unknown]> = [
    ['v2 list', v2, undefined],
    ['v2 search by client_id (the scheduler poll)', v2, { match: [{ client_id: 'host1' }], match_not: [{ status: 'completed' }] }],
    ['v2 search, two positive terms', v2, { match: [{ client_id: 'host1' }, { status: 'scheduled' }] }],
    ['v2 search, negative only', v2, { match_not: [{ status: 'completed' }] }],
    ['v1 list', v1, undefined],
  ];
  for (const [name, scope, body] of cases) {
    it(`${name}: index only, no full scan, no sort`, () => {
      const plan = repo.explainList(scope, parseSearch(body));
      for (const step of plan) {
        assert.doesNotMatch(step, /^SCAN (d|t0|jobs|jobs_terms)\b(?!.*USING)/, plan.join(' | '));
        assert.doesNotMatch(step, /TEMP B-TREE/, plan.join(' | '));
      }
      assert.ok(plan.some((s) => /USING (COVERING )?INDEX|USING PRIMARY KEY/.test(s)), plan.join(' | '));
    });
  }

  it('v1 search by term reads the matching terms only (sorted, not scanned)', () => {
    const plan = repo.explainList(v1, parseSearch({ match: [{ client_id: 'host1' }] }));
    assert.ok(plan.some((s) => /SEARCH t0 USING PRIMARY KEY \(user_id=\? AND term=\?\)/.test(s)), plan.join(' | '));
  });
});
