export type CronFieldName = 'year' | 'month' | 'day' | 'week' | 'day_of_week' | 'hour' | 'minute' | 'second';

/** One APScheduler cron field as a job_schedule spells it (`schedule_<name>`). */
export interface CronFieldDef {
  readonly name: CronFieldName;
  readonly key: string;
  readonly min: number;
  readonly max: number;
  /** What an unset field after the last set one means (APScheduler's defaults); before it, `*`. */
  readonly fallback: string;
  /** Value names, the first one standing for `min`. */
  readonly names?: readonly string[];
}

export const WEEKDAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const MONTH_NAMES = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

function field(name: CronFieldName, min: number, max: number, fallback: string, names?: readonly string[]): CronFieldDef {
  return { name, key: `schedule_${name}`, min, max, fallback, names };
}

/** The cron fields in APScheduler's order, which decides the defaults (spec B.5). */
export const CRON_FIELDS: readonly CronFieldDef[] = [
  field('year', 1970, 9999, '*'),
  field('month', 1, 12, '1', MONTH_NAMES),
  field('day', 1, 31, '1'),
  field('week', 1, 53, '*'),
  field('day_of_week', 0, 6, '*', WEEKDAY_NAMES),
  field('hour', 0, 23, '0'),
  field('minute', 0, 59, '0'),
  field('second', 0, 59, '0'),
];
