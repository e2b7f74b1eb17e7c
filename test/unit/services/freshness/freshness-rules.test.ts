import assert from 'node:assert/strict';
import { clientSeen, freshnessKeyOf, jobRecord, markedSilent, markedStale, recompute, withRun } from '../../../../src/services/freshness/freshness-rules';
import type { ClientFreshness } from '../../../../src/store/freshness-types';

const owner = { userId: 'u1', projectId: 'p1' };
const rules = { graceSeconds: 60, graceFactor: 0 };
const HOUR = 3600;
const T0 = 1_750_000_000;
const hourly = { description: 'home', client_id: 'host-a', job_schedule: { schedule_interval: '1 hours', status: 'scheduled' } };
const run = (runId: string, status: string, endedAt: number | null, reason: string | null = null) => ({ run_id: runId, status, ended_at: endedAt, reason, started_at: endedAt === null ? T0 : endedAt - 10 });

describe('freshness rules (pure)', () => {
  it('a new recurring job counts from its creation: stale after interval + grace without a success', () => {
    const r = jobRecord(owner, 'j1', hourly, null, T0, rules);
    assert.equal(r.user_id, 'u1');
    assert.equal(r.project_id, 'p1');
    assert.equal(r.client_id, 'host-a');
    assert.equal(r.description, 'home');
    assert.equal(r.since, T0);
    assert.equal(r.next_expected_at, T0 + HOUR);
    assert.equal(r.expected_interval, HOUR);
    assert.equal(r.stale_at, T0 + HOUR + 60);
    assert.equal(r.stale, false);
    assert.equal(markedStale(r, T0 + HOUR + 59), null);
    const stale = markedStale(r, T0 + HOUR + 61);
    assert.equal(stale?.stale, true);
    assert.equal(stale?.stale_since, T0 + HOUR + 60);
    assert.equal(stale && markedStale(stale, T0 + 2 * HOUR), null, 'marked once');
  });

  it('the grace is max(grace_seconds, grace_factor x interval)', () => {
    assert.equal(jobRecord(owner, 'j1', hourly, null, T0, { graceSeconds: 60, graceFactor: 0.5 }).stale_at, T0 + HOUR + HOUR / 2);
    assert.equal(jobRecord(owner, 'j1', hourly, null, T0, { graceSeconds: 3600, graceFactor: 0.5 }).stale_at, T0 + 2 * HOUR);
  });

  it('a success moves the deadline and clears stale; a failure keeps it stale and shows the reason', () => {
    const created = jobRecord(owner, 'j1', hourly, null, T0, rules);
    const stale = markedStale(created, T0 + 2 * HOUR)!;
    const failed = withRun(stale, run('r1', 'fail', T0 + 2 * HOUR, 'exit code 2'), T0 + 2 * HOUR, rules);
    assert.equal(failed.stale, true);
    assert.deepEqual(failed.last_run, { run_id: 'r1', status: 'fail', ended_at: T0 + 2 * HOUR, reason: 'exit code 2' });
    assert.equal(failed.last_success_at, null);
    assert.equal(failed.next_expected_at, T0 + 3 * HOUR);
    const ok = withRun(failed, run('r2', 'success', T0 + 3 * HOUR), T0 + 3 * HOUR, rules);
    assert.equal(ok.stale, false);
    assert.equal(ok.stale_since, null);
    assert.equal(ok.last_success_at, T0 + 3 * HOUR);
    assert.equal(ok.stale_at, T0 + 4 * HOUR + 60);
    assert.deepEqual(ok.last_run, { run_id: 'r2', status: 'success', ended_at: T0 + 3 * HOUR, reason: null });
  });

  it('a success reported so late that the job is overdue again ends the old stale period: the sweep marks a new one', () => {
    const stale = markedStale(jobRecord(owner, 'j1', hourly, null, T0, rules), T0 + 2 * HOUR)!;
    assert.equal(stale.stale_since, T0 + HOUR + 60);
    // Ended at T0 + 2h (after the period began), recorded at T0 + 4h: due again since T0 + 3h + 60 s.
    const late = withRun(stale, run('r1', 'success', T0 + 2 * HOUR), T0 + 4 * HOUR, rules);
    assert.equal(late.last_success_at, T0 + 2 * HOUR);
    assert.equal(late.stale_at, T0 + 3 * HOUR + 60);
    assert.deepEqual([late.stale, late.stale_since], [false, null]);
    const again = markedStale(late, T0 + 4 * HOUR)!;
    assert.deepEqual([again.stale, again.stale_since], [true, T0 + 3 * HOUR + 60]);
    // A success older than the period (an earlier run reported late) does not end it.
    const older = withRun(stale, run('r0', 'success', T0 + 30 * 60), T0 + 2 * HOUR, rules);
    assert.deepEqual([older.stale, older.stale_since], [true, T0 + HOUR + 60]);
  });

  it('a running run is the last run; an older run ending late does not replace a newer one', () => {
    const r = jobRecord(owner, 'j1', hourly, null, T0, rules);
    const running = withRun(r, run('r1', 'running', null), T0 + 5, rules);
    assert.deepEqual(running.last_run, { run_id: 'r1', status: 'running', ended_at: null, reason: null });
    const newer = withRun(running, run('r1', 'success', T0 + 100), T0 + 100, rules);
    const older = withRun(newer, run('r0', 'fail', T0 + 50, 'late'), T0 + 101, rules);
    assert.equal(older.last_run?.run_id, 'r1');
  });

  it('one-shot, no schedule and stopped jobs never go stale', () => {
    for (const job_schedule of [{ schedule_date: '2020-01-01T00:00:00' }, {}, { schedule_interval: '1 hours', status: 'stop' }]) {
      const r = jobRecord(owner, 'j', { job_schedule }, null, T0, rules);
      assert.equal(r.stale_at, null, JSON.stringify(job_schedule));
      assert.equal(markedStale(r, T0 + 1000 * HOUR), null);
    }
  });

  it('a job that gets a recurring schedule later counts from then; one that keeps it keeps its start', () => {
    const once = jobRecord(owner, 'j1', { job_schedule: {} }, null, T0, rules);
    const now = jobRecord(owner, 'j1', hourly, once, T0 + 500, rules);
    assert.equal(now.since, T0 + 500);
    const again = jobRecord(owner, 'j1', { ...hourly, description: 'renamed' }, now, T0 + 900, rules);
    assert.equal(again.since, T0 + 500);
    assert.equal(again.description, 'renamed');
  });

  it('a changed schedule recomputes; a stale job stays stale only while its deadline is past', () => {
    const stale = markedStale(jobRecord(owner, 'j1', hourly, null, T0, rules), T0 + 2 * HOUR)!;
    const daily = jobRecord(owner, 'j1', { ...hourly, job_schedule: { schedule_interval: '1 days' } }, stale, T0 + 2 * HOUR, rules);
    assert.equal(daily.stale, false);
    assert.equal(daily.stale_at, T0 + 24 * HOUR + 60);
    const still = recompute(stale, T0 + 2 * HOUR, rules);
    assert.equal(still.stale, true);
    assert.equal(still.stale_since, T0 + HOUR + 60);
  });

  it('only schedule fields, description and client_id change the freshness key', () => {
    const key = freshnessKeyOf(hourly);
    assert.equal(freshnessKeyOf({ ...hourly, job_actions: [1, 2] }), key);
    assert.notEqual(freshnessKeyOf({ ...hourly, description: 'x' }), key);
    assert.notEqual(freshnessKeyOf({ ...hourly, job_schedule: { ...hourly.job_schedule, status: 'stop' } }), key);
    assert.equal(freshnessKeyOf({ ...hourly, job_schedule: { ...hourly.job_schedule, result: 'fail' } }), key);
    assert.equal(freshnessKeyOf({ ...hourly, job_schedule: { ...hourly.job_schedule, status: 'running' } }), key, 'runs do not count');
  });

  it('a client is silent silentAfter seconds after it was last seen, once; seen again it is not', () => {
    const c: ClientFreshness = { client_id: 'host-a', user_id: 'u1', project_id: 'p1', hostname: 'a', last_seen_at: T0, silent: false, silent_since: null };
    assert.equal(markedSilent(c, T0 + 299, 300), null);
    const silent = markedSilent(c, T0 + 301, 300)!;
    assert.deepEqual([silent.silent, silent.silent_since], [true, T0 + 300]);
    assert.equal(markedSilent(silent, T0 + 900, 300), null);
    const back = clientSeen(silent, T0 + 901);
    assert.deepEqual([back.silent, back.silent_since, back.last_seen_at], [false, null, T0 + 901]);
    assert.equal(markedSilent({ ...c, last_seen_at: null }, T0 + 10_000, 300), null, 'never seen: not silent');
  });
});
