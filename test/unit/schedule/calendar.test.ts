import assert from 'node:assert/strict';
import { dayOfYear, daysInMonth, isoWeek, isoWeeksIn, weekdayOf } from '../../../src/schedule/calendar';

/** ISO week the textbook way: the week's Thursday decides the year; count weeks from its Jan 1. */
function referenceIsoWeek(utc: Date): number {
  const thursday = new Date(utc.getTime() + (3 - ((utc.getUTCDay() + 6) % 7)) * 86_400_000);
  const jan1 = Date.UTC(thursday.getUTCFullYear(), 0, 1);
  return Math.floor((thursday.getTime() - jan1) / 86_400_000 / 7) + 1;
}

describe('calendar arithmetic (schedule/calendar.ts)', () => {
  it('months and leap years', () => {
    assert.deepEqual([2023, 2024, 1900, 2000].map((y) => daysInMonth(y, 2)), [28, 29, 28, 29]);
    assert.deepEqual([1, 4, 12].map((m) => daysInMonth(2025, m)), [31, 30, 31]);
    assert.equal(dayOfYear(2024, 12, 31), 366);
    assert.equal(dayOfYear(2025, 3, 1), 60);
  });

  it('weekdays count from 0 = Monday', () => {
    assert.equal(weekdayOf(2025, 1, 13), 0);
    assert.equal(weekdayOf(2025, 1, 19), 6);
    assert.equal(weekdayOf(2000, 2, 29), 1);
  });

  it('ISO weeks agree with the textbook computation for every day of 1995-2045', () => {
    for (let t = Date.UTC(1995, 0, 1); t <= Date.UTC(2045, 11, 31); t += 86_400_000) {
      const day = new Date(t);
      const [y, m, d] = [day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate()];
      assert.equal(isoWeek(y, dayOfYear(y, m, d), weekdayOf(y, m, d)), referenceIsoWeek(day), day.toISOString());
    }
    assert.deepEqual([2015, 2020, 2025, 2026, 2032].map(isoWeeksIn), [53, 53, 52, 53, 53]);
  });
});
