import crypto from 'node:crypto';
import { backupPath, chainPath, chainsRootPath, hbnOf, metadataPath, parseBackupDir, parseChainDir } from './chain';
import type { ChainsLocation } from './storage-chains';
import type { BackupStorage } from './storage/backup-storage';

/** Beside `metadata/` and `data/`, where no stock listing looks. */
export const PARTIAL_DIR = '.permafrost-partial';

/** Leftovers of killed runs older than this are swept; younger ones may belong to a run in flight. */
export const SWEEP_AFTER_MS = 60 * 60_000;

export interface BackupSlot {
  t0: number;
  level: number;
  ts: number;
  newChain: boolean;
}

/**
 * A backup is assembled under `<container>/.permafrost-partial/<hbn>/<id>/` and published with two
 * renames: its data directory first, then its metadata directory. Chain discovery only looks at
 * `metadata/`, so until the second rename nothing is visible, and a run killed at any moment
 * leaves either no backup or a whole one (never a backup that looks complete but is not).
 */
export class Staging {
  private constructor(private readonly storage: BackupStorage, private readonly at: ChainsLocation, readonly dir: string) {}

  static async create(storage: BackupStorage, at: ChainsLocation): Promise<Staging> {
    const dir = `${partialRoot(at)}/${Date.now()}-${crypto.randomBytes(4).toString('hex')}`;
    await storage.mkdirp(`${dir}/data`);
    return new Staging(storage, at, dir);
  }

  /** Where the data file and engine_metadata are written before publishing. */
  get dataDir(): string {
    return `${this.dir}/data`;
  }

  async publish(slot: BackupSlot, metadataJson: string): Promise<void> {
    const { storage, at } = this;
    const { container, engine, hostname, backupName } = at;
    const name = `${slot.level}_${slot.ts}`;
    // A new chain is published as its whole `<t0>/` directory, so `<t0>/` never exists without `0_<t0>/`.
    const metaDir = slot.newChain ? `${this.dir}/meta/${slot.t0}` : `${this.dir}/meta/${name}`;
    const metaBackup = slot.newChain ? `${metaDir}/${name}` : metaDir;
    await storage.mkdirp(metaBackup);
    await storage.writeFile(`${metaBackup}/metadata`, metadataJson);

    await storage.mkdirp(chainPath(container, 'data', engine, hostname, backupName, slot.t0));
    const dataTarget = backupPath(container, 'data', engine, hostname, backupName, slot.t0, slot.level, slot.ts);
    // A data directory without its metadata is what a run killed between the two renames left
    // (in the same second as this one): an orphan, never visible, so it gives way.
    if ((await storage.stat(dataTarget)) !== null && (await storage.stat(metadataPath(container, engine, hostname, backupName, slot.t0, slot.level, slot.ts))) === null) {
      await storage.removeTree(dataTarget);
    }
    await storage.rename(this.dataDir, dataTarget);
    const target = slot.newChain
      ? chainPath(container, 'metadata', engine, hostname, backupName, slot.t0)
      : backupPath(container, 'metadata', engine, hostname, backupName, slot.t0, slot.level, slot.ts);
    await storage.mkdirp(slot.newChain ? chainsRootPath(container, 'metadata', engine, hostname, backupName) : chainPath(container, 'metadata', engine, hostname, backupName, slot.t0));
    await storage.rename(metaDir, target);
    await this.discard();
  }

  async discard(): Promise<void> {
    await this.storage.removeTree(this.dir);
  }
}

function partialRoot(at: ChainsLocation): string {
  return `${at.container.replace(/\/+$/, '')}/${PARTIAL_DIR}/${hbnOf(at.hostname, at.backupName)}`;
}

/**
 * Removes what killed runs left behind, once older than SWEEP_AFTER_MS: staging directories, and
 * data directories whose metadata never got published (invisible to restore, but they use space).
 */
export async function sweepLeftovers(storage: BackupStorage, at: ChainsLocation, now = Date.now()): Promise<string[]> {
  const removed: string[] = [];
  const old = async (path: string) => {
    const st = await storage.stat(path);
    return st !== null && now - st.mtimeMs > SWEEP_AFTER_MS;
  };
  const root = partialRoot(at);
  for (const name of await storage.list(root)) {
    if (await old(`${root}/${name}`)) removed.push(`${root}/${name}`);
  }
  const dataRoot = chainsRootPath(at.container, 'data', at.engine, at.hostname, at.backupName);
  const metaRoot = chainsRootPath(at.container, 'metadata', at.engine, at.hostname, at.backupName);
  for (const chain of await storage.list(dataRoot)) {
    if (parseChainDir(chain) === null) continue;
    const published = new Set(await storage.list(`${metaRoot}/${chain}`));
    for (const backup of await storage.list(`${dataRoot}/${chain}`)) {
      const path = `${dataRoot}/${chain}/${backup}`;
      if (parseBackupDir(backup) !== null && !published.has(backup) && (await old(path))) removed.push(path);
    }
  }
  for (const path of removed) await storage.removeTree(path);
  return removed;
}
