import assert from 'node:assert/strict';
import {
  clientKeyFilter,
  clientListFilter,
  clientRecordOf,
  dueClientsFilter,
  dueJobsFilter,
  freshnessJobIndexes,
  freshnessPage,
  jobListFilter,
  jobRecordOf,
  seenClientsPageFilter,
} from '../../../../src/store/mongo/freshness-translate';
import type { JobFreshness } from '../../../../src/store/freshness-types';

describe('MongoDB translation of freshness records (pure)', () => {
  const record: JobFreshness = {
    job_id: 'j1', user_id: 'u1', project_id: null, client_id: null, description: null, schedule: {}, since: 1,
    last_success_at: null, last_run: null, next_expected_at: null, expected_interval: null, stale_at: 99.5, stale: false, stale_since: null,
  };

  it('stores the filtered fields beside the record as JSON; v1 and no-client as empty strings', () => {
    assert.deepEqual(jobRecordOf(record, 3), {
      job_id: 'j1', user_id: 'u1', project_id: '', client_id: '', stale: false, stale_at: 99.5, version: 3, doc: JSON.stringify(record),
    });
    const c = clientRecordOf({ client_id: 'h', user_id: 'u1', project_id: 'p', hostname: null, last_seen_at: null, silent: true, silent_since: 5 }, 1);
    assert.deepEqual({ ...c, doc: undefined }, { user_id: 'u1', project_id: 'p', client_id: 'h', silent: true, last_seen_at: null, version: 1, doc: undefined });
  });

  it('lists a tenant with the filters as plain equality (v2, v1, v1 limited, client-limited)', () => {
    assert.deepEqual(jobListFilter({ userId: 'u1', projectId: 'p1' }, { stale: true, clientId: 'h1' }), { user_id: 'u1', project_id: 'p1', stale: true, client_id: 'h1' });
    assert.deepEqual(jobListFilter({ userId: 'u1', projectId: null }, {}), { user_id: 'u1' });
    assert.deepEqual(jobListFilter({ userId: 'u1', projectId: null, projects: { read: ['p2'], write: [] } }, { stale: false }), {
      user_id: 'u1', project_id: { $in: ['', 'p2'] }, stale: false,
    });
    assert.deepEqual(jobListFilter({ userId: 'u1', projectId: 'p1', clientId: 'h1' }, {}), { user_id: 'u1', project_id: 'p1', client_id: 'h1' });
    assert.deepEqual(jobListFilter({ userId: 'u1', projectId: 'p1', clientId: 'h1' }, { clientId: 'h2' }).client_id, { $in: [] });
    assert.deepEqual(clientListFilter({ userId: 'u1', projectId: 'p1' }, { silent: false }), { user_id: 'u1', project_id: 'p1', silent: false });
  });

  it('an operator-shaped value stays a string compared for equality', () => {
    const hostile = '{"$ne":null}';
    assert.deepEqual(jobListFilter({ userId: 'u1', projectId: 'p1' }, { clientId: hostile }).client_id, hostile);
    assert.deepEqual(clientKeyFilter({ userId: 'u1', projectId: null }, hostile), { user_id: 'u1', project_id: '', client_id: hostile });
  });

  it('the sweep filters match the partial due indexes', () => {
    assert.deepEqual(dueJobsFilter(10), { stale: false, stale_at: { $ne: null, $lte: 10 } });
    assert.deepEqual(dueClientsFilter(10), { silent: false, last_seen_at: { $ne: null, $lte: 10 } });
    const due = freshnessJobIndexes().find((i) => i.options.name === 'due');
    assert.deepEqual(due, { fields: { stale_at: 1 }, options: { name: 'due', partialFilterExpression: { stale: false } } });
  });

  it('the /metrics scan pages seen clients by _id (the backfill marker, never seen, is left out)', () => {
    assert.deepEqual(seenClientsPageFilter(null), { last_seen_at: { $ne: null } });
    assert.deepEqual(seenClientsPageFilter('abc'), { last_seen_at: { $ne: null }, _id: { $gt: 'abc' } });
  });

  it('a page of limit 0 is empty, never "no limit"', () => {
    assert.equal(freshnessPage({ limit: 0, offset: 0 }), null);
    assert.deepEqual(freshnessPage({ limit: 5, offset: -3 }), { skip: 0, limit: 5 });
  });
});
