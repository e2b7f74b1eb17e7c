import assert from 'node:assert/strict';
import { RouteMatcher } from '../../../src/metrics/route-matcher';

describe('metrics: route templates of request paths', () => {
  const m = new RouteMatcher(['/', '/v1', '/v1/jobs', '/v1/jobs/{job_id}', '/v1/jobs/changes', '/v2/{project_id}/jobs/{job_id}/event', '/v3/auth/tokens']);

  it('metrics: a path with ids maps to its template, a literal segment before a parameter', () => {
    assert.equal(m.match('/v1/jobs/abc123'), '/v1/jobs/{job_id}');
    assert.equal(m.match('/v1/jobs/changes'), '/v1/jobs/changes');
    assert.equal(m.match('/v2/p9/jobs/j1/event'), '/v2/{project_id}/jobs/{job_id}/event');
    assert.equal(m.match('/v1/jobs/'), '/v1/jobs');
    assert.equal(m.match('/'), '/');
  });

  it('metrics: a path no route has, or an empty id, maps to nothing', () => {
    assert.equal(m.match('/v1/jobs/a/b'), null);
    assert.equal(m.match('/v1/jobs//event'), null);
    assert.equal(m.match('/v2/p/jobs'), null);
    assert.equal(m.match('/etc/passwd'), null);
  });
});
