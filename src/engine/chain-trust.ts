import crypto from 'node:crypto';
import type { Backup, Chain } from './chain';
import { chainMacKey, macMatches, type LevelAuthFacts } from './crypto/chain-auth';
import { EngineError } from './engine-error';
import type { StoredMetadata } from './stored-metadata';

/** One level of a chain as restore or backup sees it: where it lies, and its stored metadata. */
export interface ChainLevel {
  backup: Backup;
  meta: StoredMetadata;
}

/** How an encrypted chain's metadata was checked. */
export interface ChainAuth {
  key: Buffer;
  salt: string;
  /** chain_mac of each level, level 0 first. */
  macs: string[];
}

export function levelName(b: Backup): string {
  return `${b.level}_${b.ts}`;
}

export function sha256Hex(data: Buffer): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

/** Does this chain (its level 0) carry chain authentication at all? */
export function isAuthenticated(level0: StoredMetadata): boolean {
  return level0.chain_salt !== undefined || level0.chain_mac !== undefined;
}

/** What a level's MAC covers (crypto/chain-auth.ts), from its place on the storage and its metadata. */
export function factsOf(hbn: string, b: Backup, meta: StoredMetadata, salt: string, prevMac: string | null): LevelAuthFacts {
  return {
    hbn, t0: b.t0, level: b.level, ts: b.ts,
    compression: meta.compression,
    encryptionFormat: meta.encryption_format ?? 'openssl',
    dataSize: meta.data_size ?? -1,
    dataSha256: meta.data_sha256 ?? null,
    sealedHeaderSha256: meta.sealed_header_sha256 ?? null,
    engineMetadataSha256: meta.engine_metadata_sha256 ?? null,
    chainSalt: salt,
    prevMac,
  };
}

/** An encrypted restore (or backup) takes no level that is not encrypted: anyone could have written it. */
export function requireEncrypted(levels: readonly ChainLevel[]): void {
  for (const { backup, meta } of levels) {
    if (!meta.encryption) {
      throw new EngineError(
        `backup ${levelName(backup)} is not encrypted, but a passphrase was given: refusing it (an unencrypted level in an encrypted chain is what someone without the passphrase would write)`,
      );
    }
  }
}

/** Fields an authenticated level must have beside its MAC, so the MAC covers what restore checks. */
function checkComplete(b: Backup, meta: StoredMetadata): void {
  const missing = (what: string) => new EngineError(`backup ${levelName(b)} is in an authenticated chain but its metadata has no ${what}: it was altered`);
  if (meta.chain_mac === undefined) throw missing('chain_mac (stripped, or the level was added without the passphrase)');
  if (meta.data_size === undefined) throw missing('data_size');
  if (meta.encryption_format === 'sealed' && meta.sealed_header_sha256 === undefined) throw missing('sealed_header_sha256');
  if (meta.encryption_format !== 'sealed' && meta.data_sha256 === undefined) throw missing('data_sha256');
}

/**
 * Verifies the MACs of an encrypted chain's levels, level 0 first, each built on the one before
 * it (the levels restore picks, or the ancestry of a backup's parent), before any of them is used.
 * Every failure is an EngineError naming the level.
 */
export async function verifyChain(levels: readonly ChainLevel[], pass: Buffer, hbn: string): Promise<ChainAuth> {
  requireEncrypted(levels);
  const first = levels[0];
  const salt = first.meta.chain_salt;
  if (salt === undefined) {
    throw new EngineError(`backup ${levelName(first.backup)} (level 0 of chain ${first.backup.t0}) has no chain_salt: its chain cannot be authenticated`);
  }
  const key = await chainMacKey(pass, salt);
  const macs: string[] = [];
  for (const [i, { backup, meta }] of levels.entries()) {
    if (backup.level !== i) throw new EngineError(`backup ${levelName(backup)} is not level ${i} of its chain: the chain is incomplete`);
    checkComplete(backup, meta);
    if (i > 0 && meta.chain_salt !== undefined && meta.chain_salt !== salt) {
      throw new EngineError(`backup ${levelName(backup)} carries another chain's salt: it does not belong to chain ${first.backup.t0}`);
    }
    const prev = i === 0 ? null : macs[i - 1];
    if (!macMatches(key, factsOf(hbn, backup, meta, salt, prev), meta.chain_mac!)) {
      const why = i === 0
        ? 'wrong passphrase, or its metadata or directory names were altered'
        : `its metadata or directory names were altered, it was not built on ${levelName(levels[i - 1].backup)}, or it was made with another passphrase`;
      throw new EngineError(`backup ${levelName(backup)} of ${hbn} failed authentication of its chain metadata (${why})`);
    }
    macs.push(meta.chain_mac!);
  }
  return { key, salt, macs };
}

/**
 * In an authenticated chain, the restore must reach the newest backup up to the restore date: a
 * newer one it would skip means a level in between was dropped or moved (restore would otherwise
 * quietly give an older state). Only deleting the newest levels themselves stays invisible.
 */
export function checkNothingSkipped(picked: readonly Backup[], chain: Chain, restoreFromDate: number | null): void {
  const last = picked[picked.length - 1];
  const skipped = chain.backups.filter((b) => b.level > last.level && b.ts > last.ts && (restoreFromDate === null || b.ts <= restoreFromDate));
  if (skipped.length === 0) return;
  const newest = skipped.reduce((a, b) => (b.ts > a.ts ? b : a));
  throw new EngineError(
    `chain ${chain.t0} holds backup ${levelName(newest)}, newer than ${levelName(last)}, the last level this restore can reach: ` +
    `a level in between is missing or was moved (restore_from_date ${last.ts} restores up to ${levelName(last)})`,
  );
}
