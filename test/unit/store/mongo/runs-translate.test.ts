import assert from 'node:assert/strict';
import {
  openIdleFilter,
  openRunOfFilter,
  progressTargetFilter,
  prunableOlderFilter,
  runColumns,
  runIdFilter,
  runIndexes,
  runListPlan,
  runRecord,
  runScopeFilter,
} from '../../../../src/store/mongo/runs-translate';
import type { Scope } from '../../../../src/store/types';

describe('mongo runs translation', () => {
  const v2: Scope = { userId: 'alice', projectId: 'projA' };
  const v1: Scope = { userId: 'alice', projectId: null };

  it('scopes as jobs: v2 project, v1 user (limited to readable projects), client-limited tokens', () => {
    assert.deepEqual(runScopeFilter(v2), { user_id: 'alice', project_id: 'projA' });
    assert.deepEqual(runScopeFilter(v1), { user_id: 'alice' });
    assert.deepEqual(runScopeFilter({ ...v1, projects: { read: ['p1'], write: [] } }), { user_id: 'alice', project_id: { $in: ['', 'p1'] } });
    assert.deepEqual(runScopeFilter({ ...v2, clientId: 'host1' }), { user_id: 'alice', project_id: 'projA', client_id: 'host1' });
    assert.deepEqual(runIdFilter(v2, 'r1'), { id: 'r1', user_id: 'alice', project_id: 'projA' });
  });

  it('plans lists newest first on the index of the most selective filter', () => {
    const page = { limit: 10, offset: 5 };
    const job = runListPlan(v2, { ...page, jobId: 'j1', status: 'fail' });
    assert.deepEqual(job, {
      filter: { user_id: 'alice', project_id: 'projA', job_id: 'j1', status: 'fail' },
      sort: { created_at: -1, id: -1 },
      hint: 'runs_job',
      skip: 5,
      limit: 10,
    });
    assert.equal(runListPlan(v2, page).hint, 'runs_scope_created');
    assert.equal(runListPlan(v2, { ...page, status: 'running' }).hint, 'runs_scope_status');
    assert.equal(runListPlan(v2, { ...page, clientId: 'h' }).hint, 'runs_scope_client');
    assert.equal(runListPlan({ ...v2, clientId: 'h' }, page).hint, 'runs_scope_client');
    assert.equal(runListPlan(v1, { ...page, status: 'fail' }).hint, 'runs_user_created');
    assert.deepEqual(runListPlan(v2, { ...page, since: 10, until: 20 }).filter.created_at, { $gte: 10, $lt: 20 });
  });

  it('never lets a limited token list another client, and keeps request values as plain values', () => {
    const plan = runListPlan({ ...v2, clientId: 'h1' }, { limit: 10, offset: 0, clientId: 'h2' });
    assert.deepEqual(plan.filter.client_id, { $in: [] });
    const hostile = runListPlan(v2, { limit: 10, offset: 0, jobId: { $ne: null } as unknown as string });
    assert.equal(typeof hostile.filter.job_id, 'string');
  });

  it('builds records whose indexed fields follow the document', () => {
    const doc = { run_id: 'r1', job_id: 'j1', client_id: 'h', status: 'running', created_at: 1.5, updated_at: 2.5 };
    assert.deepEqual(runRecord(v1, doc), {
      id: 'r1',
      user_id: 'alice',
      project_id: '',
      job_id: 'j1',
      client_id: 'h',
      status: 'running',
      open: true,
      created_at: 1.5,
      updated_at: 2.5,
      doc: JSON.stringify(doc),
      version: 1,
    });
    assert.equal(runColumns({ ...doc, status: 'fail' }).open, false);
  });

  it('serves the sweeps from their indexes', () => {
    assert.deepEqual(openRunOfFilter('j1'), { job_id: 'j1', open: true });
    assert.deepEqual(openIdleFilter(100), { open: true, updated_at: { $lt: 100 } });
    // A held progress report: by the unique id, only while open and older than the report.
    assert.deepEqual(progressTargetFilter('r1', 20.5), { id: 'r1', open: true, updated_at: { $lt: 20.5 } });
    assert.deepEqual(prunableOlderFilter(100), { created_at: { $lt: 100 }, open: false });
    const names = runIndexes().map((i) => i.options.name);
    for (const hint of ['runs_job', 'runs_scope_created', 'runs_scope_status', 'runs_scope_client', 'runs_user_created', 'runs_open', 'runs_created']) {
      assert.ok(names.includes(hint), hint);
    }
  });
});
