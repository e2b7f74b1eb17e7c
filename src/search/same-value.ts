import { isObject } from './is-object';

/**
 * Equality under the search rules: exact and type-sensitive ("1" is not 1, true is not 1, no
 * case folding), numeric for numbers (1 and 1.0 are one number), deep for arrays (in order) and
 * objects (whatever the key order). Values are compared as JSON text would show them: undefined
 * and non-finite numbers read as null, and an undefined property does not exist.
 */
export function sameValue(a: unknown, b: unknown): boolean {
  const x = asJsonScalar(a);
  const y = asJsonScalar(b);
  if (Array.isArray(x)) return Array.isArray(y) && x.length === y.length && x.every((el, i) => sameValue(el, y[i]));
  if (isObject(x)) {
    if (!isObject(y)) return false;
    const keys = definedKeys(x);
    return keys.length === definedKeys(y).length && keys.every((k) => Object.hasOwn(y, k) && y[k] !== undefined && sameValue(x[k], y[k]));
  }
  return x === y;
}

function asJsonScalar(v: unknown): unknown {
  if (v === undefined || (typeof v === 'number' && !Number.isFinite(v))) return null;
  return v;
}

function definedKeys(o: Record<string, unknown>): string[] {
  return Object.keys(o).filter((k) => o[k] !== undefined);
}
