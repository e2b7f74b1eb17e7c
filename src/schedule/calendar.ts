// Proleptic Gregorian calendar arithmetic on plain numbers (month 1-12, weekday 0 = Monday, as
// APScheduler numbers weekdays), so that the cron search needs no Date objects per day.

const DAYS_BEFORE_MONTH = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** 1 for January 1st. */
export function dayOfYear(year: number, month: number, day: number): number {
  const leapDay = month > 2 && isLeapYear(year) ? 1 : 0;
  return DAYS_BEFORE_MONTH[month - 1] + leapDay + day;
}

/** 0 = Monday … 6 = Sunday. */
export function weekdayOf(year: number, month: number, day: number): number {
  const date = new Date(Date.UTC(2000, month - 1, day));
  date.setUTCFullYear(year, month - 1, day); // Date.UTC maps years 0-99 to 1900-1999
  return (date.getUTCDay() + 6) % 7;
}

/** 52 or 53: a year has 53 ISO weeks when it starts on a Thursday, or is a leap year starting on a Wednesday. */
export function isoWeeksIn(year: number): number {
  const jan1Weekday = weekdayOf(year, 1, 1);
  return jan1Weekday === 3 || (jan1Weekday === 2 && isLeapYear(year)) ? 53 : 52;
}

/** ISO 8601 week number (1-53) of the day `ordinal` (dayOfYear) of `year`, which falls on `weekday`. */
export function isoWeek(year: number, ordinal: number, weekday: number): number {
  const week = Math.floor((ordinal - (weekday + 1) + 10) / 7);
  if (week < 1) return isoWeeksIn(year - 1);
  // Only a late-December day can compute as week 53; it is week 1 of next year in 52-week years.
  if (week === 53 && isoWeeksIn(year) === 52) return 1;
  return week;
}
