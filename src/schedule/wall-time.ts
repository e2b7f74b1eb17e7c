/** A local wall-clock reading, to the second; month 1-12. */
export interface Wall {
  readonly y: number;
  readonly mo: number;
  readonly d: number;
  readonly h: number;
  readonly mi: number;
  readonly s: number;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

/** The instant a local date and time names (JS picks the earlier one in a repeated hour). */
export function localInstant(y: number, mo: number, d: number, h: number, mi: number, s: number, ms = 0): number {
  const date = new Date(y, mo - 1, d, h, mi, s, ms);
  if (y >= 0 && y <= 99) date.setFullYear(y); // the constructor maps years 0-99 to 1900-1999
  return date.getTime();
}

export function utcInstant(y: number, mo: number, d: number, h: number, mi: number, s: number, ms = 0): number {
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s, ms));
  if (y >= 0 && y <= 99) date.setUTCFullYear(y);
  return date.getTime();
}

export function wallOf(instant: number): Wall {
  const date = new Date(instant);
  return {
    y: date.getFullYear(),
    mo: date.getMonth() + 1,
    d: date.getDate(),
    h: date.getHours(),
    mi: date.getMinutes(),
    s: date.getSeconds(),
  };
}

/** The wall reading `seconds` later by the calendar, ignoring DST (pure date arithmetic). */
export function wallPlus(wall: Wall, seconds: number): Wall {
  const date = new Date(utcInstant(wall.y, wall.mo, wall.d, wall.h, wall.mi, wall.s + seconds));
  return {
    y: date.getUTCFullYear(),
    mo: date.getUTCMonth() + 1,
    d: date.getUTCDate(),
    h: date.getUTCHours(),
    mi: date.getUTCMinutes(),
    s: date.getUTCSeconds(),
  };
}

function shows(instant: number, wall: Wall): boolean {
  const seen = wallOf(instant);
  return seen.y === wall.y && seen.mo === wall.mo && seen.d === wall.d
    && seen.h === wall.h && seen.mi === wall.mi && seen.s === wall.s;
}

/**
 * The instants at which the local clock shows `wall`, earliest first: none inside a DST gap
 * (clocks go forward), two in the hour repeated when clocks go back, otherwise one.
 */
export function instantsOf(wall: Wall): number[] {
  const first = localInstant(wall.y, wall.mo, wall.d, wall.h, wall.mi, wall.s);
  if (!shows(first, wall)) return [];
  // When clocks go back within the next hours, the same reading comes again one shift later.
  const shiftMinutes = new Date(first + 3 * HOUR_MS).getTimezoneOffset() - new Date(first).getTimezoneOffset();
  const second = first + shiftMinutes * MINUTE_MS;
  return shiftMinutes > 0 && shows(second, wall) ? [first, second] : [first];
}
