import assert from 'node:assert/strict';
import { SqliteStore } from '../../../src/store/sqlite/sqlite-store';
import type { SqliteRuns } from '../../../src/store/sqlite/sqlite-runs';
import type { RunPage } from '../../../src/store/runs/runs-repository';
import type { Scope } from '../../../src/store/types';

describe('sqlite runs: query plans', () => {
  let store: SqliteStore;
  before(async () => {
    store = new SqliteStore({ file: ':memory:', synchronous: 'NORMAL', cacheMb: 8 });
    await store.start();
  });
  after(() => store.stop());

  const v2: Scope = { userId: 'u', projectId: 'p' };
  const v1: Scope = { userId: 'u', projectId: null };
  const page = (extra: Partial<RunPage> = {}): RunPage => ({ limit: 10, offset: 0, ...extra });
  const plan = (scope: Scope, p: RunPage) => (store.runs() as SqliteRuns).explainList(scope, p).join(' | ');

  for (const [name, scope, p, index] of [
    ['a job\'s runs', v2, page({ jobId: 'j' }), 'runs_job'],
    ['a job\'s runs (v1, client-limited)', { ...v1, clientId: 'h' }, page({ jobId: 'j' }), 'runs_job'],
    ['a project\'s runs', v2, page(), 'runs_scope_created'],
    ['a project\'s runs of a status', v2, page({ status: 'fail' }), 'runs_scope_status'],
    ['a project\'s runs of a client', v2, page({ clientId: 'h' }), 'runs_scope_client'],
    ['a project\'s runs in a time range', v2, page({ since: 1, until: 2 }), 'runs_scope_created'],
    ['a v1 user\'s runs', v1, page(), 'runs_user_created'],
  ] as Array<[string, Scope, RunPage, string]>) {
    it(`lists ${name} through ${index}, without a sort`, () => {
      const detail = plan(scope, p);
      assert.match(detail, new RegExp(`USING INDEX ${index}`));
      assert.doesNotMatch(detail, /TEMP B-TREE/);
    });
  }
});
