/**
 * Dates in Freezer options (`remove_from_date`, `restore_from_date`) are `YYYY-MM-DDThh:mm:ss`
 * in local time. Epoch seconds (number or digit string) are accepted too, for API callers.
 * Returns epoch seconds; throws a clear Error for anything else.
 */
export function parseFreezerDate(name: string, value: number | string): number {
  if (typeof value === 'number' || /^\s*\d+\s*$/.test(value)) {
    const n = Number(value);
    if (Number.isSafeInteger(n) && n >= 0) return n;
    throw new Error(`Invalid value for ${name}: ${JSON.stringify(value)} (expected YYYY-MM-DDThh:mm:ss or epoch seconds)`);
  }
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(value.trim());
  const parts = m ? m.slice(1).map(Number) : [];
  const [y, mo, d, h, mi, s] = parts;
  const date = new Date(y, mo - 1, d, h, mi, s);
  // Rebuild from the fields: rejects 2025-02-30 and 25:00:00, which Date would silently roll over.
  const same = m !== null && date.getFullYear() === y && date.getMonth() === mo - 1 && date.getDate() === d
    && date.getHours() === h && date.getMinutes() === mi && date.getSeconds() === s;
  if (!same) {
    throw new Error(`Invalid value for ${name}: ${JSON.stringify(value)} (expected YYYY-MM-DDThh:mm:ss or epoch seconds)`);
  }
  return Math.floor(date.getTime() / 1000);
}
