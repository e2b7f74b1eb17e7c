/**
 * Times and sizes as people read them. Human-facing output uses these; wire formats (API fields,
 * storage names, metadata documents) keep their epochs and byte counts.
 */

const MAX_DATE_MS = 8.64e15;

/** Epoch seconds as ISO 8601 UTC to the second: 1796123631 -> '2026-12-01T11:13:51Z'. */
export function isoSeconds(epochSeconds: number): string {
  // A Date holds 8.64e15 ms either side of 1970; past that (e.g. remove_older_than of a billion
  // days) the nearest date it holds is as good for a reader.
  const ms = Math.max(-MAX_DATE_MS, Math.min(MAX_DATE_MS, Math.floor(epochSeconds) * 1000));
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const IEC_UNITS = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/**
 * A byte count with a binary (IEC) unit, each step 1024 and labelled so: 62515200 -> '59.62 MiB'.
 * Up to two decimals, trailing zeros dropped; below 1 KiB the exact count ('512 B').
 */
export function iecBytes(count: number): string {
  if (!Number.isFinite(count) || Math.abs(count) < 1024) return `${Math.round(count)} B`;
  let value = count / 1024;
  let unit = 0;
  // Promote on the rounded value, so 1048575 bytes reads 1 MiB and not 1024 KiB.
  while (Math.abs(Number(value.toFixed(2))) >= 1024 && unit < IEC_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number(value.toFixed(2))} ${IEC_UNITS[unit]}`;
}
