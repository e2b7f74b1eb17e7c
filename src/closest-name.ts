/**
 * The candidate a mistyped name most likely meant, for "did you mean ...?" messages; null when
 * none is close. Names are compared lower-cased with `-` read as `_`, by edit distance where a
 * swap of two neighbouring letters counts as one edit ("compresison"); the allowed distance grows
 * with the length of the name, so short names only match near-exact spellings.
 */
export function closestName(name: string, candidates: Iterable<string>): string | null {
  const wanted = normal(name);
  const limit = wanted.length <= 4 ? 1 : wanted.length <= 11 ? 2 : 3;
  let best: string | null = null;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    const d = editDistance(wanted, normal(candidate), bestDistance);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

function normal(name: string): string {
  return name.trim().toLowerCase().replaceAll('-', '_');
}

/** Optimal string alignment distance of a and b; any value >= `cap` means "too far". */
function editDistance(a: string, b: string, cap: number): number {
  if (Math.abs(a.length - b.length) >= cap) return cap;
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2] + 1);
      row.push(d);
      rowMin = Math.min(rowMin, d);
    }
    if (rowMin >= cap) return cap;
    [before, previous] = [previous, row];
  }
  return previous[b.length];
}
