import { engineMetadataPath, metadataPath, restoreChain, type Chain, type LevelChoice } from './chain';
import { levelName, sha256Hex, verifyChain, type ChainLevel } from './chain-trust';
import { chainMacKey, newChainSalt } from './crypto';
import { EngineError } from './engine-error';
import { parseStoredMetadata } from './stored-metadata';
import type { ChainsLocation } from './storage-chains';
import type { BackupStorage } from './storage/backup-storage';

/** What the new level's chain authentication needs: the chain's MAC key and salt, the parent's MAC. */
export interface NewLevelAuth {
  key: Buffer;
  salt: string;
  prevMac: string | null;
}

/** The level a backup will write, checked against what it builds on. */
export interface BackupBase {
  choice: LevelChoice;
  /** The parent's tar snapshot file (verified for an encrypted chain); null for a level 0. */
  parentSnapshot: Buffer | null;
  auth: NewLevelAuth | null;
  /** Why a new chain was started instead of the incremental nextLevel chose; null if it was not. */
  restarted: string | null;
}

const NEW_CHAIN: LevelChoice = { level: 0, t0: null, parent: null };

/**
 * Checks the chain an incremental would extend. An encrypted backup only builds on a chain whose
 * levels are all encrypted and verify with its passphrase (chain-trust.ts), including the parent's
 * snapshot file (tampering with it would make the next level leave files out); an unencrypted
 * one never builds on an encrypted chain (the result could not be restored as one chain). When the
 * chain does not qualify, the backup starts a new chain instead, and says why: a scheduled backup
 * must keep protecting the data, a fresh level 0 depends on nothing stored, and the operator sees
 * the warning (a changed passphrase is the usual, harmless cause).
 */
export async function backupBase(
  storage: BackupStorage, at: ChainsLocation, chains: Chain[], choice: LevelChoice, pass: Buffer | null, hbn: string,
): Promise<BackupBase> {
  if (choice.parent !== null) {
    try {
      return await extend(storage, at, chains, choice, pass, hbn);
    } catch (err) {
      if (!(err instanceof EngineError)) throw err;
      return { ...(await fresh(pass)), restarted: err.message };
    }
  }
  return fresh(pass);
}

async function fresh(pass: Buffer | null): Promise<BackupBase> {
  if (pass === null) return { choice: NEW_CHAIN, parentSnapshot: null, auth: null, restarted: null };
  const salt = newChainSalt();
  return { choice: NEW_CHAIN, parentSnapshot: null, auth: { key: await chainMacKey(pass, salt), salt, prevMac: null }, restarted: null };
}

async function extend(
  storage: BackupStorage, at: ChainsLocation, chains: Chain[], choice: LevelChoice, pass: Buffer | null, hbn: string,
): Promise<BackupBase> {
  const parent = choice.parent!;
  const chain = chains.find((c) => c.t0 === parent.t0)!;
  const ancestry = restoreChain([chain], parent.ts, hbn);
  const last = ancestry[ancestry.length - 1];
  if (last.level !== parent.level || last.ts !== parent.ts) {
    throw new EngineError(`the levels of chain ${chain.t0} do not lead to ${levelName(parent)}`);
  }
  const levels: ChainLevel[] = [];
  for (const backup of ancestry) {
    const file = metadataPath(at.container, at.engine, at.hostname, at.backupName, backup.t0, backup.level, backup.ts);
    levels.push({ backup, meta: parseStoredMetadata((await storage.readFile(file)).toString('utf8'), levelName(backup)) });
  }
  const snapshot = await storage.readFile(engineMetadataPath(at.container, at.engine, at.hostname, at.backupName, parent.t0, parent.level, parent.ts));
  if (pass === null) {
    const encrypted = levels.find((l) => l.meta.encryption);
    if (encrypted) throw new EngineError(`chain ${chain.t0} is encrypted (${levelName(encrypted.backup)}) and this backup has no encrypt_pass_file`);
    return { choice, parentSnapshot: snapshot, auth: null, restarted: null };
  }
  const auth = await verifyChain(levels, pass, hbn);
  const parentMeta = levels[levels.length - 1].meta;
  if (parentMeta.engine_metadata_sha256 === undefined || parentMeta.engine_metadata_sha256 !== sha256Hex(snapshot)) {
    throw new EngineError(`the tar snapshot (engine_metadata) of ${levelName(parent)} is not the one its authenticated metadata names: it was altered`);
  }
  return { choice, parentSnapshot: snapshot, auth: { key: auth.key, salt: auth.salt, prevMac: auth.macs[auth.macs.length - 1] }, restarted: null };
}
