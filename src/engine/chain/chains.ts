import { parseBackupDir } from './layout';

/** One backup of a chain: `<T0>/<level>_<ts>`. */
export interface Backup {
  t0: number;
  level: number;
  ts: number;
}

/** A chain: a level-0 backup (ts = t0) and the increments built on it. */
export interface Chain {
  t0: number;
  backups: Backup[];
}

function byLevelThenTs(a: Backup, b: Backup): number {
  return a.level - b.level || a.ts - b.ts;
}

/** Parsed, de-duplicated, sorted backups of one chain directory; junk names are skipped. */
function backupsOf(t0: number, entries: string[]): Backup[] {
  const seen = new Map<string, Backup>();
  for (const entry of entries) {
    const parsed = parseBackupDir(entry);
    // A level 0 always opens its own chain, so `0_<x>` with x != t0 is foreign here.
    if (parsed === null || (parsed.level === 0 && parsed.ts !== t0)) continue;
    seen.set(`${parsed.level}_${parsed.ts}`, { t0, ...parsed });
  }
  return [...seen.values()].sort(byLevelThenTs);
}

/**
 * Chains from a listing of `metadata/<engine>/<hbn>/`: t0 -> entries of `<t0>/`.
 * A chain without its `0_<t0>` entry is left out: it is usually an upload that was
 * interrupted before (or while) the level 0 was written, and nothing can be restored from it.
 */
export function chainsOf(listing: Map<number, string[]>): Chain[] {
  const chains: Chain[] = [];
  for (const [t0, entries] of listing) {
    const backups = backupsOf(t0, entries);
    if (backups.length > 0 && backups[0].level === 0) chains.push({ t0, backups });
  }
  return chains.sort((a, b) => a.t0 - b.t0);
}

/** The chain new incrementals build on: the one with the highest t0. */
export function latestChain(chains: readonly Chain[]): Chain | null {
  let latest: Chain | null = null;
  for (const chain of chains) if (latest === null || chain.t0 > latest.t0) latest = chain;
  return latest;
}

/** Backups of one level, oldest first. */
export function backupsAtLevel(chain: Chain, level: number): Backup[] {
  return chain.backups.filter((b) => b.level === level).sort((a, b) => a.ts - b.ts);
}

/** Highest level L such that every level 0..L is present (-1 when the chain has no level 0). */
export function contiguousTop(chain: Chain): number {
  const levels = new Set(chain.backups.map((b) => b.level));
  let top = -1;
  while (levels.has(top + 1)) top += 1;
  return top;
}
