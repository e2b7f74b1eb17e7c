import assert from 'node:assert/strict';
import { ScheduleError, triggerFor } from '../../../src/schedule';
import { fires, local } from './helpers';

describe('triggerFor: cron fields (spec B.5 rule 3, local time)', () => {
  // A Wednesday.
  const now = local(2025, 1, 15, 10, 0, 0);
  const runs = (schedule: Record<string, unknown>, count = 3, after = now) => fires(triggerFor(schedule, now), after, count);

  describe('defaults and the spec examples', () => {
    it('{"schedule_hour":"03","schedule_minute":"20"} runs daily at 03:20:00', () => {
      const trigger = triggerFor({ schedule_hour: '03', schedule_minute: '20' }, now);
      assert.equal(trigger.kind, 'cron');
      assert.deepEqual(fires(trigger, now, 3), [local(2025, 1, 16, 3, 20), local(2025, 1, 17, 3, 20), local(2025, 1, 18, 3, 20)]);
    });

    it('{"schedule_minute":"20"} runs hourly at :20:00', () => {
      assert.deepEqual(runs({ schedule_minute: '20' }), [local(2025, 1, 15, 10, 20), local(2025, 1, 15, 11, 20), local(2025, 1, 15, 12, 20)]);
    });

    it('{"schedule_day_of_week":"tue,wed"} runs Tuesdays and Wednesdays at 00:00:00', () => {
      assert.deepEqual(runs({ schedule_day_of_week: 'tue,wed' }, 4),
        [local(2025, 1, 21), local(2025, 1, 22), local(2025, 1, 28), local(2025, 1, 29)]);
    });

    it('fields after the last set one take their minimum, fields before it are *', () => {
      assert.deepEqual(runs({ schedule_year: '2030' }, 2), [local(2030, 1, 1)], 'month=1 day=1 00:00:00, once');
      assert.deepEqual(runs({ schedule_month: 'jul' }, 2), [local(2025, 7, 1), local(2026, 7, 1)]);
      assert.deepEqual(runs({ schedule_day: '20' }, 2), [local(2025, 1, 20), local(2025, 2, 20)]);
      assert.deepEqual(runs({ schedule_second: '30' }, 2), [local(2025, 1, 15, 10, 0, 30), local(2025, 1, 15, 10, 1, 30)]);
      assert.deepEqual(runs({ schedule_month: '3', schedule_hour: '12' }, 2), [local(2025, 3, 1, 12), local(2025, 3, 2, 12)],
        'day stays * because a later field is set');
    });

    it('takes numbers as well as strings, and a numeric 0 counts as set', () => {
      assert.deepEqual(runs({ schedule_hour: 3, schedule_minute: 20 }, 1), [local(2025, 1, 16, 3, 20)]);
      assert.deepEqual(runs({ schedule_minute: 0 }, 2), [local(2025, 1, 15, 11), local(2025, 1, 15, 12)]);
    });

    it('fires strictly after `after`, on whole seconds', () => {
      const trigger = triggerFor({ schedule_second: '*' }, now);
      assert.deepEqual(trigger.next(now), local(2025, 1, 15, 10, 0, 1));
      assert.deepEqual(trigger.next(new Date(now.getTime() + 1)), local(2025, 1, 15, 10, 0, 1));
      assert.deepEqual(trigger.next(new Date(now.getTime() - 1)), now);
    });
  });

  describe('per-field syntax', () => {
    it('day_of_week numbers count from 0 = Monday (not Sunday as in Unix cron)', () => {
      assert.deepEqual(runs({ schedule_day_of_week: '0' }, 2), [local(2025, 1, 20), local(2025, 1, 27)]);
      assert.deepEqual(runs({ schedule_day_of_week: 6 }, 1), [local(2025, 1, 19)]);
      assert.deepEqual(runs({ schedule_day_of_week: '0-4', schedule_hour: '8' }, 5),
        [local(2025, 1, 16, 8), local(2025, 1, 17, 8), local(2025, 1, 20, 8), local(2025, 1, 21, 8), local(2025, 1, 22, 8)]);
    });

    it('day_of_week names and ranges, including one ending on Sunday', () => {
      assert.deepEqual(runs({ schedule_day_of_week: 'mon-fri', schedule_hour: '8' }, 3),
        [local(2025, 1, 16, 8), local(2025, 1, 17, 8), local(2025, 1, 20, 8)]);
      assert.deepEqual(runs({ schedule_day_of_week: 'sat-sun' }, 3), [local(2025, 1, 18), local(2025, 1, 19), local(2025, 1, 25)]);
      assert.deepEqual(runs({ schedule_day_of_week: 'FRI, sun' }, 2), [local(2025, 1, 17), local(2025, 1, 19)]);
    });

    it('steps: */n from the field minimum, a-b/n, a/n', () => {
      assert.deepEqual(runs({ schedule_day_of_week: '*/2' }, 4),
        [local(2025, 1, 17), local(2025, 1, 19), local(2025, 1, 20), local(2025, 1, 22)], 'mon, wed, fri, sun');
      assert.deepEqual(runs({ schedule_minute: '*/15' }, 3), [local(2025, 1, 15, 10, 15), local(2025, 1, 15, 10, 30), local(2025, 1, 15, 10, 45)]);
      assert.deepEqual(runs({ schedule_hour: '9-17/4' }, 4),
        [local(2025, 1, 15, 13), local(2025, 1, 15, 17), local(2025, 1, 16, 9), local(2025, 1, 16, 13)]);
      assert.deepEqual(runs({ schedule_hour: '20/2' }, 3), [local(2025, 1, 15, 20), local(2025, 1, 15, 22), local(2025, 1, 16, 20)]);
      assert.deepEqual(runs({ schedule_month: '*/4' }, 3), [local(2025, 5, 1), local(2025, 9, 1), local(2026, 1, 1)]);
    });

    it('lists, and month names', () => {
      assert.deepEqual(runs({ schedule_minute: '5,35', schedule_second: '0,30' }, 3),
        [local(2025, 1, 15, 10, 5), local(2025, 1, 15, 10, 5, 30), local(2025, 1, 15, 10, 35)]);
      assert.deepEqual(runs({ schedule_month: 'jan,jul-aug', schedule_day: '15', schedule_hour: '12' }, 3),
        [local(2025, 1, 15, 12), local(2025, 7, 15, 12), local(2025, 8, 15, 12)]);
    });

    it('day: last day of the month', () => {
      assert.deepEqual(runs({ schedule_day: 'last' }, 4), [local(2025, 1, 31), local(2025, 2, 28), local(2025, 3, 31), local(2025, 4, 30)]);
      assert.deepEqual(runs({ schedule_month: '2', schedule_day: 'last' }, 2, local(2027, 3, 1)), [local(2028, 2, 29), local(2029, 2, 28)]);
    });

    it('day: last fri, 2nd mon, 5th fri (only in months that have one)', () => {
      assert.deepEqual(runs({ schedule_day: 'last fri' }, 3), [local(2025, 1, 31), local(2025, 2, 28), local(2025, 3, 28)]);
      assert.deepEqual(runs({ schedule_day: '2nd mon' }, 3), [local(2025, 2, 10), local(2025, 3, 10), local(2025, 4, 14)]);
      assert.deepEqual(runs({ schedule_day: '5th fri' }, 3), [local(2025, 1, 31), local(2025, 5, 30), local(2025, 8, 29)]);
      assert.deepEqual(runs({ schedule_day: '1st sun,last' }, 3), [local(2025, 1, 31), local(2025, 2, 2), local(2025, 2, 28)]);
    });

    it('the day field is ANDed with day_of_week', () => {
      // Friday the 13th.
      assert.deepEqual(runs({ schedule_day: '13', schedule_day_of_week: 'fri' }, 2), [local(2025, 6, 13), local(2026, 2, 13)]);
    });

    it('year: a single year, a range, then never again', () => {
      assert.deepEqual(runs({ schedule_year: '2026-2027', schedule_month: '6' }, 5), [local(2026, 6, 1), local(2027, 6, 1)]);
      assert.equal(triggerFor({ schedule_year: '2024' }, now).next(now), null);
    });

    it('week: ISO weeks, matched against the calendar year as APScheduler does', () => {
      // ISO week 53 of 2026 runs Mon 28 Dec 2026 to Sun 3 Jan 2027.
      assert.deepEqual(runs({ schedule_week: '53' }, 8),
        [28, 29, 30, 31].map((d) => local(2026, 12, d)).concat([1, 2, 3].map((d) => local(2027, 1, d)), [local(2032, 12, 27)]));
      // Dec 29-31 2025 are in ISO week 1 (of 2026) and in calendar year 2025.
      assert.deepEqual(runs({ schedule_year: '2025', schedule_week: '1' }, 4), [local(2025, 12, 29), local(2025, 12, 30), local(2025, 12, 31)]);
      assert.deepEqual(runs({ schedule_week: '10', schedule_day_of_week: 'wed', schedule_hour: '6' }, 2),
        [local(2025, 3, 5, 6), local(2026, 3, 4, 6)]);
    });

    it('Feb 29 runs in leap years only', () => {
      assert.deepEqual(runs({ schedule_month: '2', schedule_day: '29' }, 3), [local(2028, 2, 29), local(2032, 2, 29), local(2036, 2, 29)]);
      assert.deepEqual(runs({ schedule_month: 'feb', schedule_day: 29, schedule_hour: 23, schedule_minute: 59, schedule_second: 59 }, 1,
        local(2100, 1, 1)), [local(2104, 2, 29, 23, 59, 59)], '2100 is no leap year');
    });

    it('an impossible date never fires', () => {
      // How long it takes to say so is measured by bench/schedule-next.ts, not asserted here.
      for (const schedule of [{ schedule_month: '2', schedule_day: '30' }, { schedule_month: '6', schedule_week: '1' },
        { schedule_day: '31', schedule_month: '4,6,9,11' }, { schedule_year: '2025', schedule_week: '53' }]) {
        assert.equal(triggerFor(schedule, now).next(now), null, JSON.stringify(schedule));
      }
    });
  });

  describe('start and end dates', () => {
    it('no start date: from now', () => {
      assert.deepEqual(runs({ schedule_minute: '0,30' }, 1), [local(2025, 1, 15, 10, 30)]);
    });

    it('a start date in the future: the first match at or after it', () => {
      const trigger = triggerFor({ schedule_minute: '0,30', schedule_start_date: '2025-02-01T08:00:00' }, now);
      assert.deepEqual(fires(trigger, now, 2), [local(2025, 2, 1, 8, 0), local(2025, 2, 1, 8, 30)]);
    });

    it('a start date in the past: from now + 2 s', () => {
      const trigger = triggerFor({ schedule_second: '*', schedule_start_date: '2020-01-01T00:00:00' }, now);
      assert.deepEqual(trigger.next(now), local(2025, 1, 15, 10, 0, 2));
    });

    it('no run after the end date', () => {
      const trigger = triggerFor({
        schedule_hour: '12', schedule_start_date: '2025-01-01T00:00:00', schedule_end_date: '2025-01-17T12:00:00',
      }, now);
      assert.deepEqual(fires(trigger, now, 10), [local(2025, 1, 15, 12), local(2025, 1, 16, 12), local(2025, 1, 17, 12)]);
      assert.equal(trigger.next(local(2025, 1, 17, 12)), null);
    });

    it('the end date is ignored without a start date', () => {
      assert.equal(runs({ schedule_hour: '12', schedule_end_date: '2025-01-16T00:00:00' }, 3).length, 3);
    });
  });

  describe('errors', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ schedule_hour: '24' }, "schedule_hour '24'"],
      [{ schedule_minute: '*/0' }, "schedule_minute '*/0'"],
      [{ schedule_minute: '*/60' }, "schedule_minute '*/60'"],
      [{ schedule_second: 'abc' }, "schedule_second 'abc'"],
      [{ schedule_hour: '5-3' }, "schedule_hour '5-3'"],
      [{ schedule_hour: '1,,2' }, "schedule_hour '1,,2'"],
      [{ schedule_hour: ' ' }, "schedule_hour ' '"],
      [{ schedule_day: '6th fri' }, "schedule_day '6th fri'"],
      [{ schedule_day: 'last friday' }, "schedule_day 'last friday'"],
      [{ schedule_day: '0' }, "schedule_day '0'"],
      [{ schedule_day_of_week: '7' }, "schedule_day_of_week '7'"],
      [{ schedule_day_of_week: 'funday' }, "schedule_day_of_week 'funday'"],
      [{ schedule_month: 'foo' }, "schedule_month 'foo'"],
      [{ schedule_month: 13 }, "schedule_month '13'"],
      [{ schedule_week: '54' }, "schedule_week '54'"],
      [{ schedule_year: '1969' }, "schedule_year '1969'"],
      [{ schedule_year: 2025.5 }, "schedule_year '2025.5'"],
      [{ schedule_hour: ['3'] }, 'schedule_hour: expected a string or a number'],
      [{ schedule_hour: '3', schedule_start_date: 'soon' }, "schedule_start_date 'soon'"],
    ];
    for (const [schedule, message] of cases) {
      it(`${JSON.stringify(schedule)} -> ScheduleError naming ${message}`, () => {
        assert.throws(() => triggerFor(schedule, now), (e: Error) => e instanceof ScheduleError && e.message.includes(message));
      });
    }
  });
});
