import assert from 'node:assert/strict';
import { matches, parseSearch, type Search } from '../../../src/search';
import { jobDoc } from './fixtures';

/** The search a body means; these tests only use bodies that are a filter. */
function search(body: unknown): Search {
  const s = parseSearch(body);
  assert.ok(s, `expected a filter for ${JSON.stringify(body)}`);
  return s;
}

describe('matches (spec A.5.2 step 5)', () => {
  const job = jobDoc({ jobId: 'j1', clientId: 'projA_host1', description: 'job-one', backupName: 'd1', status: 'completed' });
  const unscheduled = jobDoc({ jobId: 'j2', clientId: 'projA_host1', description: 'job-two' });

  it('match: the found value must equal the condition value', () => {
    assert.equal(matches(job, search({ match: [{ description: 'job-one' }] })), true);
    assert.equal(matches(job, search({ match: [{ description: 'job-two' }] })), false);
    assert.equal(matches(job, search({ match: [{ backup_name: 'd1' }] })), true, 'found inside job_actions[].freezer_action');
  });

  it('is exact: no substring matching, no case folding, no trimming', () => {
    for (const value of ['job', 'JOB-ONE', 'job-one ', 'job-on']) {
      assert.equal(matches(job, search({ match: [{ description: value }] })), false, value);
    }
  });

  it('match_not: the found value must not equal the condition value', () => {
    assert.equal(matches(job, search({ match_not: [{ status: 'completed' }] })), false);
    assert.equal(matches(job, search({ match_not: [{ status: 'scheduled' }] })), true);
  });

  it('ANDs every condition of match and match_not', () => {
    const both = { match: [{ client_id: 'projA_host1' }, { description: 'job-one' }] };
    assert.equal(matches(job, search(both)), true);
    assert.equal(matches(unscheduled, search(both)), false);
    assert.equal(matches(job, search({ ...both, match_not: [{ status: 'running' }, { backup_name: 'other' }] })), true);
    assert.equal(matches(job, search({ ...both, match_not: [{ status: 'running' }, { backup_name: 'd1' }] })), false);
    const twoKeys = search({ match: [{ client_id: 'projA_host1', description: 'job-two' }] });
    assert.equal(matches(job, twoKeys), false, 'a two-key element is two conditions');
  });

  it('compares a missing key as null', () => {
    assert.equal(matches(job, search({ match: [{ x: null }] })), true, 'match x:null selects documents without x');
    assert.equal(matches({ x: 1 }, search({ match: [{ x: null }] })), false);
    assert.equal(matches({ x: null }, search({ match: [{ x: null }] })), true, 'an explicit null is null too');
    assert.equal(matches(unscheduled, search({ match_not: [{ status: 'completed' }] })), true, 'match_not keeps jobs without status');
    assert.equal(matches(unscheduled, search({ match_not: [{ status: null }] })), false);
    assert.equal(matches(job, search({ match: [{ 'job_schedule.status': 'completed' }] })), false, 'dotted paths are not found');
    assert.equal(matches(job, search({ match: [{ 'job_schedule.status': null }] })), true);
  });

  it('is type-sensitive: "1" is not 1, true is not 1, false is not 0, "" is not null', () => {
    const doc = { s: '1', n: 1, t: true, f: false, e: '' };
    assert.equal(matches(doc, search({ match: [{ s: '1' }, { n: 1 }, { t: true }, { f: false }, { e: '' }] })), true);
    for (const [k, v] of [['s', 1], ['n', '1'], ['t', 1], ['n', true], ['f', 0], ['e', null], ['t', 'true']] as const) {
      assert.equal(matches(doc, search({ match: [{ [k]: v }] })), false, `${k}=${JSON.stringify(v)}`);
      assert.equal(matches(doc, search({ match_not: [{ [k]: v }] })), true, `not ${k}=${JSON.stringify(v)}`);
    }
  });

  it('compares numbers numerically', () => {
    const doc = JSON.parse('{"a": 1.0, "b": 1e2, "c": -0, "d": 0.1}') as unknown;
    assert.equal(matches(doc, search(JSON.parse('{"match":[{"a": 1}, {"b": 100}, {"c": 0}, {"d": 1e-1}]}'))), true);
    assert.equal(matches(doc, search({ match: [{ d: 0.10000001 }] })), false);
  });

  it('compares objects deeply whatever their key order, and arrays in order', () => {
    const schedule = { time_created: 1795353923, time_started: -1, time_ended: -1, status: 'completed' };
    const reordered = { status: 'completed', time_ended: -1, time_created: 1795353923, time_started: -1 };
    assert.equal(matches(job, search({ match: [{ job_schedule: reordered }] })), true);
    assert.equal(matches(job, search({ match: [{ job_schedule: { ...schedule, status: 'running' } }] })), false);
    assert.equal(matches(job, search({ match: [{ job_schedule: { ...schedule, extra: 1 } }] })), false, 'no subset matching');
    assert.equal(matches({ l: [1, { a: 1, b: 2 }] }, search({ match: [{ l: [1, { b: 2, a: 1 }] }] })), true);
    assert.equal(matches({ l: [1, 2] }, search({ match: [{ l: [2, 1] }] })), false);
    assert.equal(matches({ l: [1, 2] }, search({ match: [{ l: [1, 2, 3] }] })), false);
    assert.equal(matches({ o: {} }, search({ match: [{ o: [] }] })), false, '{} is not []');
    assert.equal(matches({ o: { a: 1 } }, search({ match: [{ o: { a: 1, constructor: 1 } }] })), false);
  });

  it('uses the value found last, and a value found inside an array element', () => {
    const doc = { tags: [{ k: 'first' }, { k: 'second' }] };
    assert.equal(matches(doc, search({ match: [{ k: 'second' }] })), true);
    assert.equal(matches(doc, search({ match: [{ k: 'first' }] })), false);
  });

  it('holds for an empty search (every condition of none)', () => {
    assert.equal(matches(job, { match: [], matchNot: [] }), true);
  });
});
