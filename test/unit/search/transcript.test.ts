import assert from 'node:assert/strict';
import { matches, parseSearch } from '../../../src/search';
import { jobDoc } from './fixtures';

/**
 * The examples of spec A.5.2 (from the reference transcript) on a generated set of jobs:
 * list-1..list-12, the first eight on projA_host2 and the rest on projA_host1, list-3 backing
 * up "d1", every third job completed and the others without a status.
 */
describe('A.5.2 transcript examples', () => {
  const jobs = Array.from({ length: 12 }, (_, i) => {
    const n = i + 1;
    return jobDoc({
      jobId: `job${n}`,
      clientId: n <= 8 ? 'projA_host2' : 'projA_host1',
      description: `list-${n}`,
      backupName: n === 3 ? 'd1' : `bk-${n}`,
      status: n % 3 === 0 ? 'completed' : undefined,
    });
  });
  /** What a list endpoint returns for this body: the descriptions of the matching jobs, in order. */
  const list = (body: unknown) => {
    const search = parseSearch(body);
    return jobs.filter((j) => search === null || matches(j, search)).map((j) => j.description);
  };

  it('{"match":[{"description":"list-3"}]} gives exactly one job', () => {
    assert.deepEqual(list({ match: [{ description: 'list-3' }] }), ['list-3']);
  });

  it('match client_id with match_not description gives 7 jobs', () => {
    assert.deepEqual(list({ match: [{ client_id: 'projA_host2' }], match_not: [{ description: 'list-1' }] }), [
      'list-2',
      'list-3',
      'list-4',
      'list-5',
      'list-6',
      'list-7',
      'list-8',
    ]);
  });

  it('{"match":[{"backup_name":"d1"}]} matches through job_actions[].freezer_action.backup_name', () => {
    assert.deepEqual(list({ match: [{ backup_name: 'd1' }] }), ['list-3']);
  });

  it('two match entries are a logical AND', () => {
    assert.deepEqual(list({ match: [{ client_id: 'projA_host2' }, { description: 'list-4' }] }), ['list-4']);
    assert.deepEqual(list({ match: [{ client_id: 'projA_host1' }, { description: 'list-4' }] }), []);
  });

  it('_all with a JSON list string replaces the search (freezerclient --search drops its client_id filter)', () => {
    assert.deepEqual(list({ match: [{ _all: '[{"description": "list-2"}]' }, { client_id: 'projA_host1' }] }), ['list-2']);
  });

  it('_all with anything but a JSON list applies no filter at all', () => {
    assert.equal(list({ match: [{ _all: 'list-2' }] }).length, 12);
    assert.equal(list({ match: [{ _all: '{"description": "list-2"}' }], match_not: [{ client_id: 'projA_host2' }] }).length, 12);
  });

  it("the scheduler's poll keeps its client's jobs that are not completed, status or not", () => {
    assert.deepEqual(list({ match_not: [{ status: 'completed' }], match: [{ client_id: 'projA_host2' }] }), [
      'list-1',
      'list-2',
      'list-4',
      'list-5',
      'list-7',
      'list-8',
    ]);
  });

  it('an exact match only: no substring, no dotted path', () => {
    assert.deepEqual(list({ match: [{ description: 'list' }] }), []);
    assert.deepEqual(list({ match: [{ 'job_schedule.status': 'completed' }] }), []);
  });
});
