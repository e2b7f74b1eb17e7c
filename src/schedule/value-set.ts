import type { RangeTerm } from './parse-cron-field';

/** The values one cron field allows. */
export interface ValueSet {
  /** True when every value of the field is allowed (lets the search skip the field). */
  readonly full: boolean;
  /** The smallest allowed value >= `value`, or null. */
  next(value: number): number | null;
  has(value: number): boolean;
}

/** A set of small values (a lookup table of max - min + 1 entries): O(1) `next`. */
export function valueSetOf(min: number, max: number, values: readonly number[]): ValueSet {
  const nextFrom = new Int16Array(max - min + 2).fill(-1);
  const allowed = new Set(values);
  for (let v = max; v >= min; v--) nextFrom[v - min] = allowed.has(v) ? v : nextFrom[v - min + 1];
  const next = (value: number) => {
    if (value > max) return null;
    const found = nextFrom[Math.max(value, min) - min];
    return found < 0 ? null : found;
  };
  return { full: allowed.size === max - min + 1, next, has: (value) => next(value) === value };
}

/** A set kept as its ranges, for wide fields (years 1970-9999) where a table would be wasteful. */
export function valueSetOfRanges(min: number, max: number, terms: readonly RangeTerm[]): ValueSet {
  const next = (value: number) => {
    let best: number | null = null;
    for (const { first, last, step } of terms) {
      const candidate = first + Math.ceil((Math.max(value, first) - first) / step) * step;
      if (candidate <= last && (best === null || candidate < best)) best = candidate;
    }
    return best;
  };
  const full = terms.some((t) => t.first <= min && t.last >= max && t.step === 1);
  return { full, next, has: (value) => next(value) === value };
}
