import assert from 'node:assert/strict';
import { triggerFor } from '../../../src/schedule';
import { fires, local } from './helpers';

// Node re-reads process.env.TZ when it is assigned, so this suite can pin a zone with DST.
describe('cron triggers across DST changes (Europe/Berlin)', () => {
  const saved = process.env.TZ;
  before(() => { process.env.TZ = 'Europe/Berlin'; });
  after(() => {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  });
  const utc = (mo: number, d: number, h: number, mi = 0, s = 0) => new Date(Date.UTC(2025, mo - 1, d, h, mi, s));

  it('spring forward (30 Mar 2025, 02:00 -> 03:00): a skipped wall time does not fire that day', () => {
    const trigger = triggerFor({ schedule_hour: '2', schedule_minute: '30' }, local(2025, 3, 29, 12));
    assert.deepEqual(fires(trigger, local(2025, 3, 29, 12), 2), [utc(3, 31, 0, 30), utc(4, 1, 0, 30)]);
  });

  it('spring forward: every second goes from 01:59:59 CET straight to 03:00:00 CEST', () => {
    const trigger = triggerFor({ schedule_second: '*' }, utc(3, 30, 0));
    assert.deepEqual(trigger.next(utc(3, 30, 0, 59, 59)), utc(3, 30, 1));
    const hourly = triggerFor({ schedule_minute: '*/20' }, utc(3, 30, 0));
    assert.deepEqual(fires(hourly, utc(3, 30, 0, 30), 3), [utc(3, 30, 0, 40), utc(3, 30, 1), utc(3, 30, 1, 20)]);
  });

  it('fall back (26 Oct 2025, 03:00 -> 02:00): a daily 02:30 fires once, at the first 02:30', () => {
    const trigger = triggerFor({ schedule_hour: '2', schedule_minute: '30' }, local(2025, 10, 25, 12));
    assert.deepEqual(fires(trigger, local(2025, 10, 25, 12), 2), [utc(10, 26, 0, 30), utc(10, 27, 1, 30)]);
  });

  it('fall back: asked during the repeated hour, a wall time still ahead fires in it', () => {
    const trigger = triggerFor({ schedule_minute: '30' }, utc(10, 26, 1, 10));
    assert.deepEqual(trigger.next(utc(10, 26, 1, 10)), utc(10, 26, 1, 30), '02:30 CET, the second 02:30');
  });

  it('an interval counts real time, whatever the clock shows', () => {
    const trigger = triggerFor({ schedule_interval: '1 hours' }, utc(3, 30, 0));
    assert.deepEqual(fires(trigger, utc(3, 30, 0), 2), [utc(3, 30, 1), utc(3, 30, 2)]);
  });
});
