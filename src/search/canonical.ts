import { isObject } from './is-object';

/**
 * Canonical JSON text of a value: object keys sorted (by UTF-16 code units, JavaScript's default
 * sort), no whitespace, numbers in JavaScript's shortest form (so 1.0 is `1` and -0 is `0`).
 * Two values are equal under the search rules (see sameValue) iff their canonical texts are.
 * Like JSON.stringify, an undefined property is left out and undefined or a non-finite number
 * is `null`: documents are compared as the API returns them. The text never contains a raw
 * control character (JSON escapes them), which term strings rely on.
 */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isObject(value)) {
    const keys = Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
  }
  if (value === undefined || (typeof value === 'number' && !Number.isFinite(value))) return 'null';
  return JSON.stringify(value);
}
