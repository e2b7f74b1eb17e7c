import { BadRequestError } from '../../errors';

/** Unknown query parameters are a 400 naming them (a typo must not silently mean "everything"). */
export function assertKnownParams(query: Record<string, unknown>, known: readonly string[]): void {
  const unknown = Object.keys(query).filter((k) => !known.includes(k));
  if (unknown.length === 0) return;
  const list = known.length > 0 ? `known: ${known.join(', ')}` : 'this route takes none';
  throw new BadRequestError(`unknown query parameter${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')} (${list})`);
}

/** A whole number from `min` to `max`, or `fallback` when absent; a 400 naming `name` otherwise. */
export function integerParam(name: string, raw: unknown, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const text = String(Array.isArray(raw) ? raw[raw.length - 1] : raw).trim();
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new BadRequestError(`${name}: must be a whole number from ${min} to ${max}`);
  }
  return n;
}
