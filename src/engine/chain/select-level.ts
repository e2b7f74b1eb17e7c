import { Backup, Chain, backupsAtLevel, contiguousTop, latestChain } from './chains';
import { OptionValue, flagOption, numericOption } from './coerce-option';

export interface LevelOptions {
  noIncremental?: OptionValue;
  maxLevel?: OptionValue;
  alwaysLevel?: OptionValue;
  /** Days (float). */
  restartAlwaysLevel?: OptionValue;
  /** Epoch seconds. */
  now: number;
}

export interface LevelChoice {
  level: number;
  /** The chain to add to; null starts a new chain (the new backup's ts becomes its t0). */
  t0: number | null;
  /** The backup whose engine_metadata feeds tar's --listed-incremental; null for level 0. */
  parent: Backup | null;
}

const NEW_CHAIN: LevelChoice = { level: 0, t0: null, parent: null };

function newest(backups: Backup[]): Backup {
  return backups[backups.length - 1];
}

/**
 * Level of the next backup (spec C.6), with options coerced from strings ([REC]).
 *
 * Choices where C.6 is silent or ambiguous:
 * - H is the highest level reachable without a gap (0..H all present). A chain with a gap
 *   (e.g. a level deleted by hand) cannot be restored past the gap, so building on it would
 *   make unrestorable backups: start a new chain instead.
 * - restart_always_level is measured from the *oldest* backup of level H. With always_level the
 *   level H repeats; measuring from the newest would let daily differentials keep a chain alive
 *   forever, which is exactly what the option exists to prevent.
 * - With always_level and H == always_level the parent is the newest backup of level H-1 ([REC]).
 */
export function nextLevel(chains: readonly Chain[], opts: LevelOptions): LevelChoice {
  const noIncremental = flagOption('no_incremental', opts.noIncremental);
  const maxLevel = numericOption('max_level', opts.maxLevel, true);
  const alwaysLevel = numericOption('always_level', opts.alwaysLevel, true);
  const restartDays = numericOption('restart_always_level', opts.restartAlwaysLevel, false);
  const chain = latestChain(chains);
  if (noIncremental || chain === null) return NEW_CHAIN;

  const top = contiguousTop(chain);
  const atTop = backupsAtLevel(chain, top);
  if (top < 0 || top !== Math.max(...chain.backups.map((b) => b.level))) return NEW_CHAIN;
  if (maxLevel !== null && maxLevel <= top) return NEW_CHAIN;
  if (alwaysLevel !== null && top > alwaysLevel) return NEW_CHAIN;
  if (restartDays !== null && opts.now > atTop[0].ts + restartDays * 86400) return NEW_CHAIN;

  if (alwaysLevel !== null && top === alwaysLevel) {
    return { level: top, t0: chain.t0, parent: newest(backupsAtLevel(chain, top - 1)) };
  }
  return { level: top + 1, t0: chain.t0, parent: newest(atTop) };
}
