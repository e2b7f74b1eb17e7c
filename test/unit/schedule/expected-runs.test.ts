import assert from 'node:assert/strict';
import { expectationOf } from '../../../src/schedule';
import { DAY, HOUR, local, MINUTE } from './helpers';

describe('expectationOf: the runs a server expects of a job_schedule (freshness)', () => {
  const at = local(2025, 3, 10, 10, 30, 0);
  const plus = (ms: number) => new Date(at.getTime() + ms);

  it('an interval expects the next run one interval after the one before', () => {
    const e = expectationOf({ schedule_interval: '2 hours' });
    assert.equal(e.kind, 'interval');
    assert.equal(e.recurring, true);
    assert.deepEqual(e.nextAfter(at), plus(2 * HOUR));
    assert.equal(e.intervalAt(at), 2 * HOUR);
    assert.equal(expectationOf({ schedule_interval: '30 minutes' }).intervalAt(at), 30 * MINUTE);
  });

  it('an interval waits for a future start date and expects nothing after the end date', () => {
    const e = expectationOf({ schedule_interval: '1 days', schedule_start_date: '2025-03-12T08:00:00', schedule_end_date: '2025-03-14T08:00:00' });
    assert.deepEqual(e.nextAfter(at), local(2025, 3, 12, 8));
    assert.deepEqual(e.nextAfter(local(2025, 3, 12, 9)), local(2025, 3, 13, 9));
    assert.equal(e.nextAfter(local(2025, 3, 13, 9)), null);
  });

  it('cron fields expect the next fire time, and the interval is the gap between the next two', () => {
    const daily = expectationOf({ schedule_hour: '2', schedule_minute: '0' });
    assert.equal(daily.kind, 'cron');
    assert.deepEqual(daily.nextAfter(at), local(2025, 3, 11, 2));
    assert.equal(daily.intervalAt(at), DAY);
    const weekdays = expectationOf({ schedule_day_of_week: 'mon-fri', schedule_hour: '1', schedule_minute: '0' });
    // Friday 14 March: the next is Monday 17 at 01:00, three days after Friday's.
    assert.deepEqual(weekdays.nextAfter(local(2025, 3, 14, 12)), local(2025, 3, 17, 1));
    assert.equal(weekdays.intervalAt(local(2025, 3, 13, 12)), 3 * DAY);
  });

  it('a cron schedule keeps its start and end dates', () => {
    const e = expectationOf({ schedule_minute: '0', schedule_start_date: '2025-03-20T00:00:00', schedule_end_date: '2025-03-20T02:30:00' });
    assert.deepEqual(e.nextAfter(at), local(2025, 3, 20, 0));
    assert.equal(e.nextAfter(local(2025, 3, 20, 2)), null);
  });

  it('schedule_date is a one-shot: expected once, never recurring, and wins over the rest', () => {
    const e = expectationOf({ schedule_date: '2025-03-11T00:00:00', schedule_interval: '1 hours' });
    assert.equal(e.kind, 'date');
    assert.equal(e.recurring, false);
    assert.deepEqual(e.nextAfter(at), local(2025, 3, 11));
    assert.equal(e.nextAfter(local(2025, 3, 12)), null);
    assert.equal(e.intervalAt(at), null);
  });

  it('no schedule (run once), a stopped, completed or removed job, and a pending stop expect nothing', () => {
    for (const schedule of [{}, undefined, null, 'x', [], { schedule_interval: '1 hours', status: 'stop' },
      { schedule_interval: '1 hours', status: 'completed' }, { schedule_interval: '1 hours', status: 'removed' },
      { schedule_interval: '1 hours', event: 'stop' }]) {
      const e = expectationOf(schedule);
      assert.equal(e.recurring, false, JSON.stringify(schedule));
      assert.equal(e.nextAfter(at), null, JSON.stringify(schedule));
    }
    assert.equal(expectationOf({ schedule_interval: '1 hours', status: 'scheduled', event: '' }).recurring, true);
  });

  it('a schedule the agent cannot compute either is invalid, says why, and is never expected', () => {
    const e = expectationOf({ schedule_interval: 'often' });
    assert.equal(e.kind, 'invalid');
    assert.match(e.problem ?? '', /schedule_interval 'often'/);
    assert.equal(e.nextAfter(at), null);
    assert.equal(expectationOf({ schedule_hour: '25' }).kind, 'invalid');
  });
});
