/** Compares dotted version numbers (`1.28` < `1.34` < `1.34.1`); missing parts count as 0. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

/**
 * The minimum of a package.json `engines` range of the form `>=X[.Y[.Z]]`, or null for any other
 * form (then the doctor says it cannot check rather than guessing).
 */
export function minimumOf(range: string): string | null {
  const m = /^\s*>=\s*v?(\d+(?:\.\d+){0,2})\s*$/.exec(range);
  return m ? m[1] : null;
}
