/**
 * Options reach the engine from job documents (numbers) and from INI config files, where the
 * stock agent keeps everything a string except true/false/None (spec B.8). The stock agent then
 * compares "3" <= 2 and crashes ([REF-BUG] in C.6); we coerce instead.
 */

export type OptionValue = number | string | boolean | null | undefined;

/** Values the stock agent treats as "not set" (its defaults are False/None). */
function isUnset(value: OptionValue): boolean {
  if (value === undefined || value === null || value === false) return true;
  return typeof value === 'string' && ['', 'false', 'none'].includes(value.trim().toLowerCase());
}

/**
 * A numeric option, or null when unset. Zero counts as unset, as in the stock agent
 * (`if max_level and ...`). Throws a clear Error for anything that is not a non-negative number.
 */
export function numericOption(name: string, value: OptionValue, integer: boolean): number | null {
  if (isUnset(value)) return null;
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : NaN;
  const kind = integer ? 'a non-negative integer' : 'a non-negative number';
  if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
    throw new Error(`Invalid value for ${name}: ${JSON.stringify(value)} (expected ${kind})`);
  }
  return n === 0 ? null : n;
}

/** A boolean option: true/"true"/"True"/"1"/"yes"; unset values are false; anything else throws. */
export function flagOption(name: string, value: OptionValue): boolean {
  if (isUnset(value) || value === 0) return false;
  if (value === true || value === 1) return true;
  if (typeof value === 'string' && ['true', '1', 'yes'].includes(value.trim().toLowerCase())) return true;
  throw new Error(`Invalid value for ${name}: ${JSON.stringify(value)} (expected true or false)`);
}
