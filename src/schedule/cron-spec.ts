import { CRON_FIELDS, type CronFieldDef, type CronFieldName } from './cron-field-def';
import { nodeCronValues } from './node-cron-values';
import { type CronTerm, type NthWeekdayTerm, parseCronField, type RangeTerm } from './parse-cron-field';
import { scheduleField } from './schedule-field';
import { type ValueSet, valueSetOf, valueSetOfRanges } from './value-set';

/** The day field: plain days, `last`, and nth / last weekdays, ORed together. */
export interface DayRule {
  /** Bit d set for each plain day d (1-31). */
  readonly plain: number;
  readonly lastDay: boolean;
  readonly nthWeekdays: readonly NthWeekdayTerm[];
}

/** An APScheduler cron trigger's fields, ready for the search; weekdays 0 = Monday. */
export interface CronSpec {
  readonly years: ValueSet;
  readonly months: ValueSet;
  readonly days: DayRule;
  readonly weeks: ValueSet;
  readonly weekdays: ValueSet;
  readonly hours: ValueSet;
  readonly minutes: ValueSet;
  readonly seconds: ValueSet;
}

interface ParsedField {
  readonly def: CronFieldDef;
  readonly text: string;
  readonly terms: readonly CronTerm[];
}

/**
 * The cron spec of a job_schedule, or null when no cron field is set (spec B.5 rule 3). Unset
 * fields after the last set one take their minimum (week and day_of_week: `*`), fields before it `*`.
 */
export function cronSpec(schedule: Record<string, unknown>): CronSpec | null {
  const texts = CRON_FIELDS.map((def) => scheduleField(schedule, def.key));
  const lastSet = texts.reduce((last, text, i) => (text === null ? last : i), -1);
  if (lastSet < 0) return null;
  const parsed = {} as Record<CronFieldName, ParsedField>;
  CRON_FIELDS.forEach((def, i) => {
    const text = texts[i] ?? (i > lastSet ? def.fallback : '*');
    parsed[def.name] = { def, text, terms: parseCronField(def, text) };
  });
  return {
    years: valueSetOfRanges(1970, 9999, ranges(parsed.year)),
    months: standardValues(parsed.month),
    days: dayRule(parsed.day),
    weeks: valueSetOfRanges(1, 53, ranges(parsed.week)),
    weekdays: standardValues(parsed.day_of_week),
    hours: standardValues(parsed.hour),
    minutes: standardValues(parsed.minute),
    seconds: standardValues(parsed.second),
  };
}

function ranges(field: ParsedField): RangeTerm[] {
  return field.terms.filter((t): t is RangeTerm => t.kind === 'range');
}

function standardValues(field: ParsedField): ValueSet {
  return valueSetOf(field.def.min, field.def.max, nodeCronValues(field.def, ranges(field), field.text));
}

function dayRule(field: ParsedField): DayRule {
  const plainTerms = ranges(field);
  const plainDays = plainTerms.length ? nodeCronValues(field.def, plainTerms, field.text) : [];
  return {
    plain: plainDays.reduce((mask, day) => mask | (1 << day), 0),
    lastDay: field.terms.some((t) => t.kind === 'last-day'),
    nthWeekdays: field.terms.filter((t): t is NthWeekdayTerm => t.kind === 'nth-weekday'),
  };
}
