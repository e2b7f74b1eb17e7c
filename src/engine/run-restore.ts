import fs from 'node:fs/promises';
import type { Transform } from 'node:stream';
import { dataPath, hbnOf, metadataPath, restoreChain, type Backup } from './chain';
import { opensslDecrypt, readPassphrase, sealDecrypt } from './crypto';
import type { EngineContext, EngineOutcome } from './engine-context';
import { EngineError } from './engine-error';
import { restoreOptions, type RestoreOptions } from './options/fs-options';
import { decompressCommand } from './pipeline/compressors';
import { runRestoreStream } from './pipeline/restore-stream';
import { tarExtractArgs, tarListArgs } from './pipeline/tar-commands';
import { ThrottledProgress } from './progress/throttled-progress';
import { listChains, type ChainsLocation } from './storage-chains';
import { parseStoredMetadata, type StoredMetadata } from './stored-metadata';
import { openStorage } from './storage/open-storage';
import type { BackupStorage } from './storage/backup-storage';
import { LinkTracker, MemberGuard } from './tar';

const NOT_EMPTY = 'Restore dir is not empty. Please use --overwrite or choose a different path.';

/**
 * A `restore` action of mode fs (spec C.3, C.5, C.7): the newest chain up to restore_from_date,
 * level 0 first, each level checked member by member before tar sees it and its stored bytes
 * checked against the size and sha256 recorded at backup time.
 */
export async function runRestore(action: Record<string, unknown>, ctx: EngineContext): Promise<EngineOutcome> {
  const opts = restoreOptions(action);
  const pass = opts.passFile === null ? null : await readPassphrase(opts.passFile);
  if (!opts.dryRun) await prepareTarget(opts);
  const storage = await openStorage(opts.storage, ctx.log);
  try {
    const at: ChainsLocation = { container: opts.storage.container, engine: opts.engine, hostname: opts.hostname, backupName: opts.backupName };
    const backups = pick(await listChains(storage, at), opts);
    const metas = await Promise.all(backups.map((b) => readMetadata(storage, at, b)));
    for (const meta of metas) {
      if (meta.encryption && pass === null) throw new EngineError('Cannot restore encrypted backup without key');
    }
    const sizes = await Promise.all(backups.map((b, i) => metas[i].data_size ?? storage.stat(dataPathOf(at, b)).then((s) => s?.size ?? 0)));
    const progress = new ThrottledProgress('restore', ctx);
    progress.meter.setTotals(sizes.reduce((a, b) => a + b, 0), null);
    let before = 0;
    let files = 0;
    // A dry run writes nothing, so the tracker carries over from level to level; a real restore
    // reads what tar really left in the target (and what was there before) before each level.
    const dryLinks = new LinkTracker();
    for (const [i, backup] of backups.entries()) {
      const links = opts.dryRun ? dryLinks : await LinkTracker.fromDisk(opts.restoreAbsPath);
      const level = await restoreLevel(storage, at, backup, metas[i], pass, opts, ctx, links, {
        stored: (bytes) => progress.update({ bytes: before + bytes, stored: before + bytes }),
        member: () => progress.update({ files: ++files }),
      });
      before += level;
    }
    progress.finish();
    const what = `${backups.length} level(s) of ${hbnOf(at.hostname, at.backupName)} (chain ${backups[0].t0}, up to ${backups.at(-1)!.level}_${backups.at(-1)!.ts})`;
    const message = opts.dryRun ? `dry run: listed ${files} members of ${what}; nothing was written` : `restored ${files} members of ${what} into ${opts.restoreAbsPath}`;
    ctx.log.info(message);
    return { metadata: null, message };
  } finally {
    await storage.close();
  }
}

function pick(chains: Parameters<typeof restoreChain>[0], opts: RestoreOptions): Backup[] {
  try {
    return restoreChain(chains, opts.restoreFromDate, hbnOf(opts.hostname, opts.backupName));
  } catch (err) {
    throw new EngineError((err as Error).message);
  }
}

/** Creates the target; refuses a non-empty one without `overwrite`, with the stock message. */
async function prepareTarget(opts: RestoreOptions): Promise<void> {
  await fs.mkdir(opts.restoreAbsPath, { recursive: true }).catch((err: Error) => {
    throw new EngineError(`cannot create restore_abs_path ${opts.restoreAbsPath}: ${err.message}`);
  });
  const entries = await fs.readdir(opts.restoreAbsPath);
  if (entries.length > 0 && !opts.overwrite) throw new EngineError(NOT_EMPTY);
}

function dataPathOf(at: ChainsLocation, b: Backup): string {
  return dataPath(at.container, at.engine, at.hostname, at.backupName, b.t0, b.level, b.ts);
}

async function readMetadata(storage: BackupStorage, at: ChainsLocation, b: Backup): Promise<StoredMetadata> {
  const file = metadataPath(at.container, at.engine, at.hostname, at.backupName, b.t0, b.level, b.ts);
  return parseStoredMetadata((await storage.readFile(file)).toString('utf8'), `${b.level}_${b.ts}`);
}

function decryptionOf(meta: StoredMetadata, pass: Buffer | null): Transform | null {
  if (!meta.encryption || pass === null) return null;
  return meta.encryption_format === 'sealed' ? sealDecrypt(pass) : opensslDecrypt(pass);
}

/** One level; returns the stored bytes it read. */
async function restoreLevel(
  storage: BackupStorage, at: ChainsLocation, backup: Backup, meta: StoredMetadata, pass: Buffer | null, opts: RestoreOptions,
  ctx: EngineContext, links: LinkTracker, on: { stored(bytes: number): void; member(): void },
): Promise<number> {
  const file = dataPathOf(at, backup);
  ctx.log.info({ backupLevel: backup.level, ts: backup.ts, compression: meta.compression, encryption: meta.encryption }, 'restoring a level');
  const result = await runRestoreStream({
    source: await storage.createReadStream(file),
    decrypt: decryptionOf(meta, pass),
    decompress: decompressCommand(meta.compression),
    guard: new MemberGuard({ links, onMember: (m) => (m.type === 'D' || m.type === '5' ? undefined : on.member()) }),
    tar: { program: 'tar', args: opts.dryRun ? tarListArgs() : tarExtractArgs(opts.restoreAbsPath) },
    signal: ctx.signal,
    onStored: on.stored,
    checksum: meta.data_sha256 !== undefined,
    onListed: opts.dryRun ? (name) => ctx.log.debug({ member: name }, 'dry run: in the backup') : undefined,
  });
  if (meta.data_size !== undefined && meta.data_size !== result.storedBytes) {
    throw new EngineError(`backup ${backup.level}_${backup.ts} is ${result.storedBytes} bytes on the storage, ${meta.data_size} were written: it was truncated or altered`);
  }
  if (meta.data_sha256 !== undefined && meta.data_sha256 !== result.sha256) {
    throw new EngineError(`backup ${backup.level}_${backup.ts} does not match the checksum recorded when it was written: it was altered`);
  }
  return result.storedBytes;
}
