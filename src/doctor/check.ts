/** The outcome of one doctor check: ok, FAIL (the host lacks something it is configured for) or skip (not needed here). */
export type CheckStatus = 'ok' | 'FAIL' | 'skip';

export interface Check {
  status: CheckStatus;
  /** What was checked: `tar`, `compressor zstd`, `api`... */
  name: string;
  /** What was found, or for a FAIL what is missing and how to fix it, or for a skip why. */
  detail: string;
  /** How long a network check took. */
  ms?: number;
}

export const ok = (name: string, detail: string, ms?: number): Check => ({ status: 'ok', name, detail, ms });
export const fail = (name: string, detail: string, ms?: number): Check => ({ status: 'FAIL', name, detail, ms });
export const skip = (name: string, detail: string): Check => ({ status: 'skip', name, detail });

/** One readable line: `ok    tar: GNU tar 1.34 at /usr/bin/tar`. */
export function formatCheck(c: Check): string {
  return `${c.status.padEnd(5)} ${c.name}: ${c.detail}${c.ms === undefined ? '' : ` (${c.ms} ms)`}`;
}

/**
 * The last line: the counts, and whether this host can run everything it is configured for (or
 * `verdict`, when the checks could not get that far).
 */
export function summaryLine(checks: readonly Check[], verdict?: string): string {
  const count = (s: CheckStatus) => checks.filter((c) => c.status === s).length;
  const failed = count('FAIL');
  verdict ??= failed === 0 ? 'this host can run every action it is configured for' : `this host lacks ${failed === 1 ? 'one thing' : `${failed} things`} it is configured for (see FAIL above)`;
  return `${count('ok')} ok, ${failed} FAIL, ${count('skip')} skipped: ${verdict}`;
}

/** 0 only when nothing failed; 1 otherwise (2, a configuration error, is decided before any check). */
export function exitCodeOf(checks: readonly Check[]): 0 | 1 {
  return checks.some((c) => c.status === 'FAIL') ? 1 : 0;
}
