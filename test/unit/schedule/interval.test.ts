import assert from 'node:assert/strict';
import { ScheduleError, triggerFor } from '../../../src/schedule';
import { fires, HOUR, local, MINUTE, SECOND } from './helpers';

describe('triggerFor: schedule_interval (spec B.5 rule 2)', () => {
  const now = local(2025, 1, 15, 10, 0, 0);
  const plus = (ms: number) => new Date(now.getTime() + ms);

  it('without a start date, first runs at now + interval, then every interval', () => {
    const trigger = triggerFor({ schedule_interval: '2 seconds' }, now);
    assert.deepEqual(fires(trigger, now, 3), [plus(2 * SECOND), plus(4 * SECOND), plus(6 * SECOND)]);
    // Asked late, it stays on the grid counted from the first run.
    assert.deepEqual(trigger.next(plus(5 * SECOND + 500)), plus(6 * SECOND));
    assert.deepEqual(trigger.next(plus(6 * SECOND)), plus(8 * SECOND));
  });

  it('knows every unit, singular or plural, and runs of spaces ([REC])', () => {
    const first = (schedule_interval: string) => triggerFor({ schedule_interval }, now).next(now);
    assert.deepEqual(first('5 minutes'), plus(5 * MINUTE));
    assert.deepEqual(first('5   minutes'), plus(5 * MINUTE));
    assert.deepEqual(first('3 hours'), plus(3 * HOUR));
    assert.deepEqual(first('1 day'), plus(24 * HOUR));
    assert.deepEqual(first('2 weeks'), plus(14 * 24 * HOUR));
    assert.deepEqual(first('1 second'), plus(SECOND));
  });

  it('continuous is every second', () => {
    const trigger = triggerFor({ schedule_interval: 'continuous' }, now);
    assert.deepEqual(fires(trigger, now, 3), [plus(SECOND), plus(2 * SECOND), plus(3 * SECOND)]);
  });

  it('a zero interval runs every second, as in APScheduler, rather than spinning', () => {
    assert.deepEqual(fires(triggerFor({ schedule_interval: '0 minutes' }, now), now, 2), [plus(SECOND), plus(2 * SECOND)]);
  });

  it('a start date in the future is the first run, and the grid starts there', () => {
    const trigger = triggerFor({ schedule_interval: '1 hours', schedule_start_date: '2025-01-16T08:00:00' }, now);
    assert.deepEqual(fires(trigger, now, 3), [local(2025, 1, 16, 8), local(2025, 1, 16, 9), local(2025, 1, 16, 10)]);
  });

  it('a start date in the past runs at now + 2 s, then every interval from there', () => {
    const trigger = triggerFor({ schedule_interval: '10 minutes', schedule_start_date: '2024-06-01T00:00:00' }, now);
    assert.deepEqual(fires(trigger, now, 3), [plus(2 * SECOND), plus(2 * SECOND + 10 * MINUTE), plus(2 * SECOND + 20 * MINUTE)]);
  });

  it('start and end dates accept Z, offsets and fractions ([REC])', () => {
    const trigger = triggerFor({
      schedule_interval: '1 hours',
      schedule_start_date: '2030-01-01T00:00:00.5Z',
      schedule_end_date: '2030-01-01T03:00:00+01:00',
    }, now);
    const start = Date.UTC(2030, 0, 1, 0, 0, 0, 500);
    assert.deepEqual(fires(trigger, now, 5), [new Date(start), new Date(start + HOUR)]);
  });

  it('no run after the end date; one exactly at the end still runs', () => {
    const trigger = triggerFor({
      schedule_interval: '1 hours',
      schedule_start_date: '2025-01-16T08:00:00',
      schedule_end_date: '2025-01-16T10:00:00',
    }, now);
    assert.deepEqual(fires(trigger, now, 10), [local(2025, 1, 16, 8), local(2025, 1, 16, 9), local(2025, 1, 16, 10)]);
    assert.equal(trigger.next(local(2025, 1, 16, 10)), null);
    assert.equal(trigger.next(local(2025, 2, 1)), null);
  });

  it('an end date already past (with a past start) means no run at all', () => {
    const trigger = triggerFor({
      schedule_interval: '1 hours',
      schedule_start_date: '2024-01-01T00:00:00',
      schedule_end_date: '2024-12-31T00:00:00',
    }, now);
    assert.equal(trigger.next(now), null);
  });

  it('the end date is ignored without a start date, or when it is before the start', () => {
    const noStart = triggerFor({ schedule_interval: '1 days', schedule_end_date: '2025-01-01T00:00:00' }, now);
    assert.deepEqual(noStart.next(local(2026, 1, 1)), new Date(now.getTime() + 351 * 24 * HOUR));
    const backwards = triggerFor({
      schedule_interval: '1 days',
      schedule_start_date: '2025-02-01T00:00:00',
      schedule_end_date: '2025-01-20T00:00:00',
    }, now);
    assert.deepEqual(fires(backwards, now, 3).length, 3);
  });

  it('a bad interval or start date is a ScheduleError naming the field and the value', () => {
    for (const bad of ['5 fortnights', '5', 'minutes', '-5 minutes', '5minutes', '1.5 hours', 'often']) {
      assert.throws(() => triggerFor({ schedule_interval: bad }, now),
        (e: Error) => e instanceof ScheduleError && e.message.includes(`schedule_interval '${bad}'`), bad);
    }
    assert.throws(() => triggerFor({ schedule_interval: 5 }, now), /schedule_interval '5'/);
    assert.throws(() => triggerFor({ schedule_interval: '99999999999 weeks' }, now), /too long/);
    assert.throws(() => triggerFor({ schedule_interval: '1 hours', schedule_start_date: '2025-13-01T00:00:00' }, now),
      /schedule_start_date '2025-13-01T00:00:00'/);
    assert.throws(() => triggerFor({
      schedule_interval: '1 hours', schedule_start_date: '2025-01-01T00:00:00', schedule_end_date: 'never',
    }, now), /schedule_end_date 'never'/);
  });
});
