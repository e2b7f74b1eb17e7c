import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Readable, Transform } from 'node:stream';
import { dataPath, hbnOf, metadataPath, restoreChain, type Backup, type Chain } from './chain';
import { checkNothingSkipped, isAuthenticated, levelName, requireEncrypted, verifyChain, type ChainLevel } from './chain-trust';
import { SEALED_HEADER_LEN, expectHeader, opensslDecrypt, readPassphrase, sealDecrypt } from './crypto';
import type { EngineContext, EngineOutcome } from './engine-context';
import { EngineError } from './engine-error';
import { isoSeconds } from '../human-units';
import { restoreOptions, type RestoreOptions } from './options/fs-options';
import { flagSetting, type OptionSurface } from './options/option-names';
import { decompressCommand } from './pipeline/compressors';
import { runRestoreStream } from './pipeline/restore-stream';
import { spoolVerified, type Spooled } from './pipeline/spool';
import { tarExtractArgs, tarListArgs } from './pipeline/tar-commands';
import { ThrottledProgress } from './progress/throttled-progress';
import { listChains, type ChainsLocation } from './storage-chains';
import { parseStoredMetadata, type StoredMetadata } from './stored-metadata';
import { openStorage } from './storage/open-storage';
import type { BackupStorage } from './storage/backup-storage';
import { LinkTracker, MemberGuard } from './tar';

/** The stock agent's refusal, naming the setting as it is written where the run came from. */
function notEmpty(surface: OptionSurface): string {
  return `Restore dir is not empty. Please use ${flagSetting('overwrite', surface)} or choose a different path.`;
}

/**
 * A `restore` action of mode fs (spec C.3, C.5, C.7): the newest chain up to restore_from_date,
 * level 0 first, each level checked member by member before tar sees it and its stored bytes
 * checked against the size and sha256 recorded at backup time. With a passphrase, every level
 * must be encrypted and the chain's metadata must verify (chain-trust.ts) before level 0 starts.
 * A restore that fails removes the empty target directories it created (never one that was there).
 */
export async function runRestore(action: Record<string, unknown>, ctx: EngineContext): Promise<EngineOutcome> {
  const opts = restoreOptions(action);
  const pass = opts.passFile === null ? null : await readPassphrase(opts.passFile);
  const created = opts.dryRun ? undefined : await prepareTarget(opts, ctx.surface);
  try {
    return await restoreInto(opts, pass, ctx);
  } catch (err) {
    if (created !== undefined) await removeCreated(created, opts.restoreAbsPath, ctx);
    throw err;
  }
}

async function restoreInto(opts: RestoreOptions, pass: Buffer | null, ctx: EngineContext): Promise<EngineOutcome> {
  const storage = await openStorage(opts.storage, ctx.log);
  try {
    const at: ChainsLocation = { container: opts.storage.container, engine: opts.engine, hostname: opts.hostname, backupName: opts.backupName };
    const chains = await listChains(storage, at);
    const backups = pick(chains, opts);
    const levels: ChainLevel[] = await Promise.all(backups.map(async (backup) => ({ backup, meta: await readMetadata(storage, at, backup) })));
    for (const { meta } of levels) {
      if (meta.encryption && pass === null) throw new EngineError('Cannot restore encrypted backup without key');
    }
    const chain = chains.find((c) => c.t0 === backups[0].t0)!;
    const authenticated = pass === null ? false : await checkChain(levels, chain, pass, opts, hbnOf(at.hostname, at.backupName), ctx);
    const sizes = await Promise.all(levels.map(({ backup, meta }) => meta.data_size ?? storage.stat(dataPathOf(at, backup)).then((s) => s?.size ?? 0)));
    const progress = new ThrottledProgress('restore', ctx);
    progress.meter.setTotals(sizes.reduce((a, b) => a + b, 0), null);
    let before = 0;
    let files = 0;
    // A dry run writes nothing, so the tracker carries over from level to level; a real restore
    // reads what tar really left in the target (and what was there before) before each level.
    const dryLinks = new LinkTracker();
    for (const level of levels) {
      const links = opts.dryRun ? dryLinks : await LinkTracker.fromDisk(opts.restoreAbsPath);
      before += await restoreLevel(storage, at, level, { pass, authenticated, opts, ctx, links }, {
        stored: (bytes) => progress.update({ bytes: before + bytes, stored: before + bytes }),
        member: () => progress.update({ files: ++files }),
      });
    }
    progress.finish();
    const last = backups.at(-1)!;
    const what = `${backups.length} level(s) of ${hbnOf(at.hostname, at.backupName)} (chain ${backups[0].t0}, up to ${levelName(last)} of ${isoSeconds(last.ts)})`;
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

/**
 * An encrypted restore: every level encrypted, and the chain authenticated (MACs, links, nothing
 * skipped) unless it carries no authentication at all and the operator accepted that. Returns
 * whether the chain is authenticated.
 */
async function checkChain(levels: ChainLevel[], chain: Chain, pass: Buffer, opts: RestoreOptions, hbn: string, ctx: EngineContext): Promise<boolean> {
  requireEncrypted(levels);
  if (isAuthenticated(levels[0].meta)) {
    await verifyChain(levels, pass, hbn);
    checkNothingSkipped(levels.map((l) => l.backup), chain, opts.restoreFromDate);
    return true;
  }
  const first = levelName(levels[0].backup);
  if (!opts.acceptUnauthenticated) {
    throw new EngineError(
      `backup ${first} (chain ${chain.t0} of ${hbn}) carries no chain authentication: it was made by the stock freezer-agent or an older Permafrost, ` +
      'or its authentication was stripped, so anyone who can write to the storage could have altered or added levels. ' +
      'Restore it anyway with accept_unauthenticated: true (--accept-unauthenticated)',
    );
  }
  ctx.log.warn({ chain: chain.t0, hbn }, `restoring chain ${chain.t0} of ${hbn} without chain authentication (accept_unauthenticated)`);
  return false;
}

/**
 * Creates the target (and missing parents, as mkdir -p); refuses a non-empty one without
 * `overwrite`, with the stock message. Returns the outermost directory it created, if any.
 */
async function prepareTarget(opts: RestoreOptions, surface: OptionSurface): Promise<string | undefined> {
  const created = await fsp.mkdir(opts.restoreAbsPath, { recursive: true }).catch((err: Error) => {
    throw new EngineError(`cannot create restore_abs_path ${opts.restoreAbsPath}: ${err.message}`);
  });
  const entries = await fsp.readdir(opts.restoreAbsPath);
  if (entries.length > 0 && !opts.overwrite) throw new EngineError(notEmpty(surface));
  return created;
}

/**
 * A failed restore leaves no empty directory it made behind: the target, then each parent it made
 * up to `created`, the outermost (mkdir -p order, reversed). What levels it did restore stay, to
 * be salvaged or replaced with overwrite; so does every directory that was there before.
 */
async function removeCreated(created: string, target: string, ctx: EngineContext): Promise<void> {
  const outermost = path.resolve(created);
  // resolve() drops a trailing '/', so the walk never steps above `created`.
  for (let dir = path.resolve(target); dir === outermost || dir.startsWith(`${outermost}${path.sep}`); dir = path.dirname(dir)) {
    try {
      await fsp.rmdir(dir);
    } catch (err) {
      // The restore's own error is the one to report; this is only logged.
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST') ctx.log.warn({ dir, target }, `the failed restore keeps ${dir}: it is not empty`);
      else ctx.log.warn({ dir, target, err: (err as Error).message }, 'cannot remove a directory this failed restore created');
      return;
    }
  }
}

function dataPathOf(at: ChainsLocation, b: Backup): string {
  return dataPath(at.container, at.engine, at.hostname, at.backupName, b.t0, b.level, b.ts);
}

async function readMetadata(storage: BackupStorage, at: ChainsLocation, b: Backup): Promise<StoredMetadata> {
  const file = metadataPath(at.container, at.engine, at.hostname, at.backupName, b.t0, b.level, b.ts);
  return parseStoredMetadata((await storage.readFile(file)).toString('utf8'), levelName(b));
}

/** The decryption of a level; a sealed level's header is first compared with the authenticated digest. */
function decryptionOf(level: ChainLevel, pass: Buffer | null): Transform[] {
  const { meta, backup } = level;
  if (!meta.encryption || pass === null) return [];
  if (meta.encryption_format !== 'sealed') return [opensslDecrypt(pass)];
  const check = meta.sealed_header_sha256 === undefined ? [] : [expectHeader(SEALED_HEADER_LEN, meta.sealed_header_sha256, `backup ${levelName(backup)}`)];
  return [...check, sealDecrypt(pass)];
}

interface LevelRun {
  pass: Buffer | null;
  authenticated: boolean;
  opts: RestoreOptions;
  ctx: EngineContext;
  links: LinkTracker;
}

/**
 * Stored bytes that nothing authenticates on the way (openssl CFB) but that have a recorded
 * sha256 are spooled and verified before tar sees any of them.
 */
function needsSpool(meta: StoredMetadata): boolean {
  return meta.encryption && meta.encryption_format !== 'sealed' && meta.data_sha256 !== undefined;
}

/** One level; returns the stored bytes it read. */
async function restoreLevel(
  storage: BackupStorage, at: ChainsLocation, level: ChainLevel, run: LevelRun, on: { stored(bytes: number): void; member(): void },
): Promise<number> {
  const { backup, meta } = level;
  const { opts, ctx } = run;
  const what = `backup ${levelName(backup)}`;
  ctx.log.info({ backupLevel: backup.level, ts: backup.ts, compression: meta.compression, encryption: meta.encryption, authenticated: run.authenticated }, 'restoring a level');
  let spooled: Spooled | null = null;
  let source: Readable = await storage.createReadStream(dataPathOf(at, backup));
  try {
    if (needsSpool(meta)) {
      spooled = await spoolVerified({ source, size: meta.data_size, sha256: meta.data_sha256!, what, signal: ctx.signal, onStored: on.stored });
      source = fs.createReadStream(spooled.file);
    } else if (run.pass !== null && meta.encryption_format !== 'sealed') {
      ctx.log.warn({ level: levelName(backup) }, `${what} has no recorded checksum: its data cannot be verified before it is restored`);
    }
    const result = await runRestoreStream({
      source,
      decrypt: decryptionOf(level, run.pass),
      decompress: decompressCommand(meta.compression),
      guard: new MemberGuard({ links: run.links, refuseSetIdAndDevices: ctx.confined === true, onMember: (m) => (m.type === 'D' || m.type === '5' ? undefined : on.member()) }),
      tar: { program: 'tar', args: opts.dryRun ? tarListArgs() : tarExtractArgs(opts.restoreAbsPath) },
      signal: ctx.signal,
      onStored: spooled ? () => undefined : on.stored,
      checksum: spooled === null && meta.data_sha256 !== undefined,
      onListed: opts.dryRun ? (name) => ctx.log.debug({ member: name }, 'dry run: in the backup') : undefined,
    });
    if (spooled) return spooled.bytes;
    if (meta.data_size !== undefined && meta.data_size !== result.storedBytes) {
      throw new EngineError(`${what} is ${result.storedBytes} bytes on the storage, ${meta.data_size} were written: it was truncated or altered`);
    }
    if (meta.data_sha256 !== undefined && meta.data_sha256 !== result.sha256) {
      throw new EngineError(`${what} does not match the checksum recorded when it was written: it was altered`);
    }
    return result.storedBytes;
  } finally {
    source.destroy();
    await spooled?.remove();
  }
}
