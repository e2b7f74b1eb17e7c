import { daysInMonth } from './calendar';
import { ScheduleError } from './schedule-error';
import { localInstant, utcInstant } from './wall-time';

// The API's datetime pattern (spec A.4.0), a little more lenient: `t` or a space for `T`, and an
// offset without its colon. The reference scheduler only read `YYYY-MM-DDThh:mm:ss` and failed
// on the rest; B.5 [REC] asks for the full ISO form.
const DATETIME = /^(-?\d{4,})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?$/;

/**
 * Parses a job_schedule date. A naive time is LOCAL time (the reference scheduler runs in local
 * time); `Z` or an offset is honoured; fractional seconds are kept to the millisecond.
 */
export function parseDatetime(key: string, text: string): Date {
  const bad = (why: string) => new ScheduleError(`${key} '${text}': ${why}`);
  const m = DATETIME.exec(text.trim());
  if (!m) throw bad('expected an ISO 8601 date and time such as 2025-01-31T03:20:00');
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number);
  const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) throw bad('no such date');
  if (h > 23 || mi > 59 || s > 59) throw bad('no such time of day');
  const instant = m[8] || m[9] ? utcInstant(y, mo, d, h, mi, s, ms) - offsetMinutes(m, bad) * 60_000
    : localInstant(y, mo, d, h, mi, s, ms);
  if (!Number.isFinite(instant)) throw bad('out of range');
  return new Date(instant);
}

function offsetMinutes(m: RegExpExecArray, bad: (why: string) => ScheduleError): number {
  if (m[8]) return 0;
  const hours = Number(m[10]);
  const minutes = Number(m[11]);
  if (hours > 23 || minutes > 59) throw bad('no such UTC offset');
  return (m[9] === '-' ? -1 : 1) * (hours * 60 + minutes);
}
