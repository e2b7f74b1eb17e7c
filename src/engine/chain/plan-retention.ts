import { Chain, latestChain } from './chains';
import { OptionValue, numericOption } from './coerce-option';
import { parseFreezerDate } from './freezer-date';

export interface RetentionPlan {
  remove: Chain[];
  keep: Chain[];
}

/**
 * Which whole chains to delete (spec C.8): those whose level-0 timestamp <= cutoff.
 *
 * Deliberate deviation from the stock agent, which deletes such chains even when they hold
 * increments newer than the cutoff, and even when the chain is the current one (data loss with
 * long always_level or unbounded chains). We never remove:
 * - the newest chain: new incrementals build on it, and it may be the only restorable state;
 * - a chain with any backup newer than the cutoff: that backup is still wanted and cannot be
 *   restored without the levels below it, so the whole chain stays.
 */
export function planRetention(chains: readonly Chain[], cutoff: number): RetentionPlan {
  const newest = latestChain(chains);
  const plan: RetentionPlan = { remove: [], keep: [] };
  for (const chain of chains) {
    const old = chain.t0 <= cutoff && chain.backups.every((b) => b.ts <= cutoff);
    (old && chain !== newest ? plan.remove : plan.keep).push(chain);
  }
  return plan;
}

export interface CutoffOptions {
  /** Days (float); zero counts as unset, as in the stock agent. */
  removeOlderThan?: OptionValue;
  /** `YYYY-MM-DDThh:mm:ss` (local time) or epoch seconds. */
  removeFromDate?: string | number | null;
  /** Epoch seconds. */
  now: number;
}

export const NO_CUTOFF_MESSAGE =
  'You need to provide to remove backup older than this time. You can use --remove-older-than or --remove-from-date';

/** Retention cutoff in epoch seconds: remove_from_date wins, else now - remove_older_than days. */
export function cutoffOf(opts: CutoffOptions): number {
  const fromDate = opts.removeFromDate;
  if (fromDate !== undefined && fromDate !== null && String(fromDate).trim() !== '') {
    return parseFreezerDate('remove_from_date', fromDate);
  }
  const days = numericOption('remove_older_than', opts.removeOlderThan, false);
  if (days === null) throw new Error(NO_CUTOFF_MESSAGE);
  return Math.floor(opts.now - days * 86400);
}
