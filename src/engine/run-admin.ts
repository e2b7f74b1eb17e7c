import { chainPath, cutoffOf, hbnOf, planRetention } from './chain';
import type { EngineContext, EngineOutcome } from './engine-context';
import { EngineError } from './engine-error';
import { isoSeconds } from '../human-units';
import { adminOptions } from './options/fs-options';
import { sweepLeftovers } from './staging';
import { listChains, type ChainsLocation } from './storage-chains';
import { openStorage } from './storage/open-storage';

/**
 * An `admin` action (spec C.8): removes whole chains older than the cutoff, metadata first (so a
 * chain stops being visible before its data goes), never a chain that a kept backup needs
 * (planRetention). With dry_run it only lists what it would remove.
 */
export async function runAdmin(action: Record<string, unknown>, ctx: EngineContext): Promise<EngineOutcome> {
  const opts = adminOptions(action);
  const now = (ctx.now ?? Date.now)();
  let cutoff: number;
  try {
    cutoff = cutoffOf({ removeOlderThan: opts.removeOlderThan, removeFromDate: opts.removeFromDate, now: now / 1000 });
  } catch (err) {
    throw new EngineError((err as Error).message);
  }
  const storage = await openStorage(opts.storage, ctx.log);
  try {
    const at: ChainsLocation = { container: opts.storage.container, engine: opts.engine, hostname: opts.hostname, backupName: opts.backupName };
    const plan = planRetention(await listChains(storage, at), cutoff);
    const hbn = hbnOf(opts.hostname, opts.backupName);
    // Chains are named as on the storage (their level-0 epoch) with the date people read.
    const names = plan.remove.map((c) => `chain ${c.t0} of ${isoSeconds(c.t0)} (${c.backups.length} backups)`);
    const before = isoSeconds(cutoff);
    if (opts.dryRun) {
      const message = `dry run: would remove ${plan.remove.length} chain(s) of ${hbn} older than ${before}: ${names.join(', ') || 'none'}; keeping ${plan.keep.length}`;
      ctx.log.info(message);
      return { metadata: null, message };
    }
    for (const chain of plan.remove) {
      ctx.signal.throwIfAborted();
      await storage.removeTree(chainPath(at.container, 'metadata', at.engine, at.hostname, at.backupName, chain.t0));
      await storage.removeTree(chainPath(at.container, 'data', at.engine, at.hostname, at.backupName, chain.t0));
      ctx.log.info({ t0: chain.t0, made: isoSeconds(chain.t0), backups: chain.backups.length }, 'removed a chain');
    }
    await sweepLeftovers(storage, at, now);
    const message = `removed ${plan.remove.length} chain(s) of ${hbn} older than ${before}: ${names.join(', ') || 'none'}; kept ${plan.keep.length}`;
    ctx.log.info(message);
    return { metadata: null, message };
  } finally {
    await storage.close();
  }
}
