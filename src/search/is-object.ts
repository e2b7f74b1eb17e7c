/** A JSON object: not null and not an array (the only thing the search walk descends into). */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
