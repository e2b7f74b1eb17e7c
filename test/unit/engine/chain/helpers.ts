import { Chain, chainsOf } from '../../../../src/engine/chain';

/** Chains from a compact listing: {t0: ['0_t0', '1_ts', ...]}. */
export function chainsFrom(listing: Record<number, string[]>): Chain[] {
  return chainsOf(new Map(Object.entries(listing).map(([t0, entries]) => [Number(t0), entries])));
}

/** `<level>_<ts>` names of a list of backups, for compact assertions. */
export function names(backups: { level: number; ts: number }[]): string[] {
  return backups.map((b) => `${b.level}_${b.ts}`);
}
