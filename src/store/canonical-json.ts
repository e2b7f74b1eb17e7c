import { setOwn } from '../own-property';

/**
 * JSON text with every object's keys sorted, recursively. An engine need not hand a document back
 * with its keys in the order they were written, so content checksums are taken over this form:
 * the same data gives the same text on every engine.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  // Dates and other objects with their own JSON form keep it.
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return value;
  const out: Record<string, unknown> = {};
  // setOwn: a stored key named `__proto__` is data, and must count in the checksum like any other.
  for (const key of Object.keys(value).sort()) setOwn(out, key, sortKeys((value as Record<string, unknown>)[key]));
  return out;
}
