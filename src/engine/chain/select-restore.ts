import { Backup, Chain } from './chains';
import { NoBackupError } from './no-backup-error';

/** Newest backup of `level` with ts <= limit (any ts when limit is null). */
function newestAt(chain: Chain, level: number, limit: number | null): Backup | null {
  let best: Backup | null = null;
  for (const b of chain.backups) {
    if (b.level !== level || (limit !== null && b.ts > limit)) continue;
    if (best === null || b.ts > best.ts) best = b;
  }
  return best;
}

/**
 * The backups to extract, level 0 first (spec C.7): the newest chain with T0 <= D, then for each
 * level the backup with the highest ts <= D ([REC]: the stock agent takes whichever the listing
 * returns last, which restored a stale differential).
 * Levels must be contiguous: a gap, or a level whose newest backup is not newer than the one
 * picked below it (so it was built on an older parent), ends the list.
 */
export function restoreChain(chains: readonly Chain[], restoreFromDate: number | null, hbn: string): Backup[] {
  const eligible = chains.filter((c) => restoreFromDate === null || c.t0 <= restoreFromDate);
  if (eligible.length === 0) throw new NoBackupError(hbn);
  const chain = eligible.reduce((a, b) => (b.t0 > a.t0 ? b : a));

  const picked: Backup[] = [];
  for (let level = 0; ; level += 1) {
    const next = newestAt(chain, level, restoreFromDate);
    if (next === null || (picked.length > 0 && next.ts <= picked[picked.length - 1].ts)) break;
    picked.push(next);
  }
  if (picked.length === 0) throw new NoBackupError(hbn);
  return picked;
}
