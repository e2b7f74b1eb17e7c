import { type CronFieldDef, WEEKDAY_NAMES } from './cron-field-def';
import { ScheduleError } from './schedule-error';

/** `first-last/step`; `*`, a single value and `a/n` are ranges too once resolved. */
export interface RangeTerm {
  readonly kind: 'range';
  readonly first: number;
  readonly last: number;
  readonly step: number;
}
/** Day field only: `last` (last day of the month). */
export interface LastDayTerm {
  readonly kind: 'last-day';
}
/** Day field only: `<nth> <weekday>` or `last <weekday>`; nth 1-5, or -1 for last. */
export interface NthWeekdayTerm {
  readonly kind: 'nth-weekday';
  readonly nth: number;
  readonly weekday: number;
}
export type CronTerm = RangeTerm | LastDayTerm | NthWeekdayTerm;

const RANGE = /^(?:(\*)|([a-z0-9]+)(?:-([a-z0-9]+))?)(?:\/(\d+))?$/;
const NTH_WEEKDAY = /^(1st|2nd|3rd|4th|5th|last)\s+([a-z]+)$/;
const NTHS = ['1st', '2nd', '3rd', '4th', '5th'];

type Fail = (why: string) => ScheduleError;

/**
 * Parses one field in APScheduler's cron syntax: comma-separated `*`, `*\/n`, `a`, `a-b`, `a/n`,
 * `a-b/n` (names allowed where the field has them), plus `last`, `last <weekday>` and
 * `<nth> <weekday>` in the day field. Checks what APScheduler checks: bounds, a range that does
 * not run backwards, and a step neither 0 nor wider than its range.
 */
export function parseCronField(def: CronFieldDef, text: string): CronTerm[] {
  const fail: Fail = (why) => new ScheduleError(`${def.key} '${text}': ${why}`);
  return text.trim().toLowerCase().split(/\s*,\s*/).map((part) => parseTerm(def, part, fail));
}

function parseTerm(def: CronFieldDef, part: string, fail: Fail): CronTerm {
  if (def.name === 'day') {
    if (part === 'last') return { kind: 'last-day' };
    const nth = NTH_WEEKDAY.exec(part);
    if (nth) return { kind: 'nth-weekday', nth: nth[1] === 'last' ? -1 : NTHS.indexOf(nth[1]) + 1, weekday: weekday(nth[2], fail) };
  }
  const m = RANGE.exec(part);
  if (!m) throw fail(`cannot read '${part}'`);
  const step = m[4] === undefined ? null : Number(m[4]);
  if (step === 0) throw fail('the step must be at least 1');
  const first = m[1] ? def.min : valueOf(def, m[2], fail);
  const last = m[1] ? def.max : m[3] !== undefined ? valueOf(def, m[3], fail) : step !== null ? def.max : first;
  if (first > last) throw fail(`the range ${first}-${last} runs backwards`);
  if (step !== null && step > last - first) throw fail(`the step ${step} is wider than the range ${first}-${last}`);
  return { kind: 'range', first, last, step: step ?? 1 };
}

function valueOf(def: CronFieldDef, token: string, fail: Fail): number {
  if (/^\d+$/.test(token)) {
    const value = Number(token);
    if (value < def.min || value > def.max) throw fail(`${token} is outside ${def.min}-${def.max}`);
    return value;
  }
  const index = def.names ? def.names.indexOf(token) : -1;
  if (index < 0) throw fail(`unknown value '${token}'`);
  return def.min + index;
}

function weekday(name: string, fail: Fail): number {
  const index = (WEEKDAY_NAMES as readonly string[]).indexOf(name);
  if (index < 0) throw fail(`unknown weekday '${name}' (expected mon-sun)`);
  return index;
}
