import assert from 'node:assert/strict';
import { MISFIRE_GRACE_MS, ScheduleError, triggerFor } from '../../../src/schedule';
import { fires, local, SECOND } from './helpers';

describe('triggerFor: which rule wins, one-shots (schedule, spec B.5)', () => {
  const now = local(2025, 1, 15, 10, 0, 0);

  it('schedule_date wins over interval and cron fields, and ignores start/end dates', () => {
    const trigger = triggerFor({
      schedule_date: '2025-01-20T08:00:00',
      schedule_interval: '5 minutes',
      schedule_hour: '3',
      schedule_start_date: 'garbage',
      schedule_end_date: '2025-01-01T00:00:00',
    }, now);
    assert.equal(trigger.kind, 'date');
    assert.deepEqual(fires(trigger, now, 5), [local(2025, 1, 20, 8, 0, 0)]);
  });

  it('schedule_interval wins over cron fields', () => {
    const trigger = triggerFor({ schedule_interval: '1 hours', schedule_minute: '20' }, now);
    assert.equal(trigger.kind, 'interval');
    assert.deepEqual(trigger.next(now), new Date(now.getTime() + 3600 * SECOND));
  });

  it('no schedule field: one run at now + 2 s, then never again', () => {
    const trigger = triggerFor({ event: 'start', status: '', time_created: 1, schedule_date: null, schedule_interval: '' }, now);
    assert.equal(trigger.kind, 'soon');
    const at = new Date(now.getTime() + 2 * SECOND);
    assert.deepEqual(trigger.next(now), at);
    assert.equal(trigger.next(at), null);
    assert.deepEqual(fires(trigger, now, 5), [at]);
  });

  it('a one-shot date fires once: the date while it is ahead, null from it on', () => {
    const trigger = triggerFor({ schedule_date: '2025-01-15T10:30:00' }, now);
    const at = local(2025, 1, 15, 10, 30, 0);
    assert.deepEqual(trigger.next(now), at);
    assert.deepEqual(trigger.next(new Date(at.getTime() - 1)), at);
    assert.equal(trigger.next(at), null);
    assert.equal(trigger.next(local(2026, 1, 1)), null);
  });

  it('a past date: null from now, but within the misfire grace a caller can still find it', () => {
    const trigger = triggerFor({ schedule_date: '2025-01-15T09:30:00' }, now);
    assert.equal(trigger.next(now), null);
    assert.equal(MISFIRE_GRACE_MS, 3600_000);
    assert.deepEqual(trigger.next(new Date(now.getTime() - MISFIRE_GRACE_MS)), local(2025, 1, 15, 9, 30, 0));
  });

  it('schedule_date: naive is local time, Z is UTC, an offset is honoured, fractions are kept', () => {
    const at = (schedule_date: string) => triggerFor({ schedule_date }, now).next(new Date(0));
    assert.deepEqual(at('2025-03-01T12:34:56'), local(2025, 3, 1, 12, 34, 56));
    assert.deepEqual(at('2025-03-01T12:34:56Z'), new Date(Date.UTC(2025, 2, 1, 12, 34, 56)));
    assert.deepEqual(at('2025-03-01T12:34:56+02:00'), new Date(Date.UTC(2025, 2, 1, 10, 34, 56)));
    assert.deepEqual(at('2025-03-01T12:34:56-05:30'), new Date(Date.UTC(2025, 2, 1, 18, 4, 56)));
    assert.deepEqual(at('2025-03-01T12:34:56.25Z'), new Date(Date.UTC(2025, 2, 1, 12, 34, 56, 250)));
  });

  it('an unparseable schedule_date is a ScheduleError naming the field and the value', () => {
    for (const bad of ['tomorrow', '2025-02-30T00:00:00', '2025-01-01T24:00:00', '2025-01-01', '2025-01-01T00:00:00+25:00']) {
      assert.throws(() => triggerFor({ schedule_date: bad }, now),
        (e: Error) => e instanceof ScheduleError && e.message.includes('schedule_date') && e.message.includes(bad), bad);
    }
    assert.throws(() => triggerFor({ schedule_date: 1736935200 }, now), /schedule_date '1736935200'/);
    assert.throws(() => triggerFor({ schedule_date: true }, now), /schedule_date: expected a string or a number/);
  });
});
