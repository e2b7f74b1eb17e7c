import { validateDetailed } from 'node-cron';
import { type CronFieldDef, type CronFieldName, WEEKDAY_NAMES } from './cron-field-def';
import type { RangeTerm } from './parse-cron-field';
import { ScheduleError } from './schedule-error';

// What node-cron does here, and what it cannot do.
//
// node-cron 4 is a scheduler: its public API runs timers (schedule, createTask) and checks
// expressions (validate, validateDetailed, parse). Its matcher and next-run walk are internal,
// start from the current time, walk day by day, and know no year and no ISO week. It has `L`,
// `5L` and `5#2`, but the weekday ones belong to its day-of-week field, so an APScheduler day
// field such as `1,last fri` (the 1st OR the last Friday, ANDed with day_of_week) has no
// node-cron spelling. So node-cron is used for what it fits:
// `validateDetailed` validates a standard field and expands its ranges, steps and names into the
// values it allows. Our own code parses the APScheduler syntax (parse-cron-field), handles year,
// week, `last` and nth weekdays (cron-spec, day-mask), and searches the next fire time
// (next-cron-wall). No node-cron timer is ever started.

/** node-cron's six-field order: second minute hour day-of-month month day-of-week. */
const SLOTS: Partial<Record<CronFieldName, number>> = { second: 0, minute: 1, hour: 2, day: 3, month: 4, day_of_week: 5 };
const PARSED_KEYS = ['second', 'minute', 'hour', 'dayOfMonth', 'month', 'dayOfWeek'] as const;

/**
 * The values allowed by the range terms of a standard cron field, expanded by node-cron. The field
 * is checked alone (the others `*`), so node-cron's "day 31 never occurs in February" check never
 * sees a day list without its `last` or nth-weekday terms.
 */
export function nodeCronValues(def: CronFieldDef, terms: readonly RangeTerm[], text: string): number[] {
  const slot = SLOTS[def.name];
  if (slot === undefined) throw new Error(`node-cron has no ${def.name} field`);
  const fields = ['*', '*', '*', '*', '*', '*'];
  fields[slot] = terms.map((term) => render(def, term)).join(',');
  const result = validateDetailed(fields.join(' '));
  if (!result.valid || !result.fields) {
    const why = result.errors.map((e) => e.message).join('; ');
    throw new ScheduleError(`${def.key} '${text}': rejected by node-cron (${why})`);
  }
  const expanded: ReadonlyArray<number | string> = result.fields[PARSED_KEYS[slot]];
  const values = expanded.filter((v): v is number => typeof v === 'number');
  // node-cron counts weekdays from Sunday = 0; APScheduler (and this module) from Monday = 0.
  return def.name === 'day_of_week' ? values.map((v) => (v + 6) % 7) : values;
}

/**
 * One term in node-cron syntax. Weekdays go by name, since the numbers differ (0 is Monday in
 * APScheduler, Sunday in cron); `mon-sun` then reads 1-0 in node-cron, which it expands as a
 * range wrapping through the week end, giving back the same days (steps included).
 */
function render(def: CronFieldDef, term: RangeTerm): string {
  const show = (v: number) => (def.name === 'day_of_week' ? WEEKDAY_NAMES[v] : String(v));
  const range = term.first === term.last ? show(term.first) : `${show(term.first)}-${show(term.last)}`;
  return term.step === 1 ? range : `${range}/${term.step}`;
}
