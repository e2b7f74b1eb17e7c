import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { hbnOf, nextLevel, type Chain, type LevelChoice } from './chain';
import { backupBase, type BackupBase } from './backup-base';
import { factsOf, sha256Hex } from './chain-trust';
import { SEALED_HEADER_LEN, levelMac, opensslEncrypt, readPassphrase, sealEncrypt } from './crypto';
import type { EngineContext, EngineOutcome } from './engine-context';
import { EngineError } from './engine-error';
import { isoSeconds } from '../human-units';
import { backupOptions, type BackupOptions } from './options/fs-options';
import { runBackupStream, type BackupSink, type BackupStreamResult } from './pipeline/backup-stream';
import { compressCommand, type Command } from './pipeline/compressors';
import { tarCreateArgs } from './pipeline/tar-commands';
import { estimateTree } from './progress/estimate-tree';
import { ThrottledProgress } from './progress/throttled-progress';
import { resultDocument } from './result-document';
import { Staging, sweepLeftovers, type BackupSlot } from './staging';
import { formatStoredMetadata, type StoredMetadata } from './stored-metadata';
import { listChains, type ChainsLocation } from './storage-chains';
import { openStorage } from './storage/open-storage';
import type { BackupStorage } from './storage/backup-storage';

/** 100 records of 10 KiB: a progress line per MiB of archive. */
const CHECKPOINT_RECORDS = 100;

/**
 * A `backup` action of mode fs (spec C.3, C.5, C.6): picks the level from what the storage holds,
 * streams tar -> compression -> encryption into a staging area and publishes it atomically.
 */
export async function runBackup(action: Record<string, unknown>, ctx: EngineContext): Promise<EngineOutcome> {
  const opts = backupOptions(action);
  // Fails before anything is touched when the compression program is missing.
  const compress = compressCommand(opts.compression, opts.compressionLevel);
  const source = await sourceOf(opts.pathToBackup);
  const pass = opts.passFile === null ? null : await readPassphrase(opts.passFile);
  const storage = await openStorage(opts.storage, ctx.log);
  try {
    const at: ChainsLocation = { container: opts.storage.container, engine: opts.engine, hostname: opts.hostname, backupName: opts.backupName };
    const chains = await listChains(storage, at);
    const now = (ctx.now ?? Date.now)();
    const hbn = hbnOf(opts.hostname, opts.backupName);
    const base = await backupBase(storage, at, chains, chooseLevel(chains, opts, now / 1000), pass, hbn);
    if (base.restarted !== null) {
      ctx.log.warn({ reason: base.restarted }, `starting a new chain of ${hbn} instead of an incremental: ${base.restarted}`);
    }
    const slot = slotOf(chains, base.choice, Math.floor(now / 1000));
    if (opts.dryRun) return await dryRun(opts, source, slot, base, hbn, ctx);
    const swept = await sweepLeftovers(storage, at);
    if (swept.length > 0) ctx.log.info({ swept }, 'removed what interrupted backups left behind');
    return await backUp(action, opts, { storage, at, source, slot, base, pass, compress, started: now }, ctx);
  } finally {
    await storage.close();
  }
}

interface Source {
  cwd: string;
  target: string;
}

/** tar runs in the directory, or in the parent of a single file (spec C.3 step 4). */
async function sourceOf(pathToBackup: string): Promise<Source> {
  const st = await fs.stat(pathToBackup).catch(() => null);
  if (st === null) throw new EngineError(`path_to_backup ${pathToBackup} does not exist or cannot be read`);
  return st.isDirectory() ? { cwd: pathToBackup, target: '.' } : { cwd: path.dirname(pathToBackup), target: path.basename(pathToBackup) };
}

function chooseLevel(chains: Chain[], opts: BackupOptions, nowS: number): LevelChoice {
  try {
    return nextLevel(chains, { ...opts.levels, now: nowS });
  } catch (err) {
    throw new EngineError((err as Error).message);
  }
}

/** Timestamps name directories: never reuse one, even for two backups within a second. */
function slotOf(chains: Chain[], choice: LevelChoice, nowS: number): BackupSlot {
  const newest = Math.max(0, ...chains.flatMap((c) => c.backups.map((b) => b.ts)));
  const ts = Math.max(nowS, newest + 1);
  return { t0: choice.t0 ?? ts, level: choice.level, ts, newChain: choice.t0 === null };
}

/** The run's message says when a new chain replaced the incremental the levels asked for. */
function restartNote(base: BackupBase): string {
  return base.restarted === null ? '' : ` (a new chain: ${base.restarted})`;
}

async function dryRun(opts: BackupOptions, source: Source, slot: BackupSlot, base: BackupBase, hbn: string, ctx: EngineContext): Promise<EngineOutcome> {
  const estimate = (await estimateTree(path.join(source.cwd, source.target), base.choice.parent?.ts ?? null, ctx.signal)) ?? { files: 0, bytes: 0 };
  const chain = slot.newChain ? 'a new chain' : `chain ${slot.t0} of ${isoSeconds(slot.t0)}`;
  const message = `dry run: would back up ${estimate.files} files (${estimate.bytes} bytes) of ${opts.pathToBackup} as level ${slot.level} of ${chain} of ${hbn}${restartNote(base)}; nothing was written`;
  ctx.log.info({ backupLevel: slot.level, t0: slot.t0, estimate }, message);
  return { metadata: null, message };
}

interface Run {
  storage: BackupStorage;
  at: ChainsLocation;
  source: Source;
  slot: BackupSlot;
  base: BackupBase;
  pass: Buffer | null;
  compress: Command;
  started: number;
}

async function backUp(action: Record<string, unknown>, opts: BackupOptions, run: Run, ctx: EngineContext): Promise<EngineOutcome> {
  const { storage, at, slot, base } = run;
  const choice = base.choice;
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'permafrost-backup-'));
  const staging = await Staging.create(storage, at);
  const progress = new ThrottledProgress('backup', ctx);
  const estimating = new AbortController();
  try {
    const snapshotFile = path.join(work, 'engine_metadata');
    if (base.parentSnapshot) await fs.writeFile(snapshotFile, base.parentSnapshot, { mode: 0o600 });
    void estimateTree(path.join(run.source.cwd, run.source.target), choice.parent?.ts ?? null, AbortSignal.any([ctx.signal, estimating.signal]))
      .then((e) => e && progress.meter.setTotals(e.bytes, e.files), () => undefined);
    const streamed = await withSink(storage, `${staging.dataDir}/data`, opts, run.pass, (sink) => runBackupStream({
      tar: { program: 'tar', args: tarCreateArgs({ snapshotFile, target: run.source.target, exclude: opts.exclude, dereference: opts.dereference, checkpointRecords: CHECKPOINT_RECORDS }) },
      cwd: run.source.cwd,
      compress: run.compress,
      sink,
      signal: ctx.signal,
      onProgress: (c) => progress.update(c),
      onWarning: (line) => ctx.log.warn({ tar: line }, 'tar warning'),
    }));
    progress.update({ stored: streamed.storedBytes });
    const snapshot = await fs.readFile(snapshotFile);
    await storage.writeFile(`${staging.dataDir}/engine_metadata`, snapshot);
    await staging.publish(slot, formatStoredMetadata(storedMetadataOf(opts, run, streamed, snapshot)));
    const done = progress.finish();
    const seconds = ((ctx.now ?? Date.now)() - run.started) / 1000;
    const message = `backup level ${slot.level} of ${hbnOf(at.hostname, at.backupName)}${restartNote(base)}: ${streamed.files} files, ${done.bytes_done} bytes read, ${streamed.storedBytes} bytes stored in ${seconds.toFixed(1)} s`;
    ctx.log.info({ backupLevel: slot.level, t0: slot.t0, ts: slot.ts }, message);
    const metadata = resultDocument(action, opts, {
      level: slot.level, t0: slot.t0, ts: slot.ts, timeStamp: Math.floor(run.started / 1000), storedBytes: streamed.storedBytes, files: streamed.files, seconds,
    });
    return { metadata, message };
  } catch (err) {
    await staging.discard().catch((e: unknown) => ctx.log.warn({ err: (e as Error).message }, 'cannot remove the staging area'));
    throw err;
  } finally {
    estimating.abort();
    await fs.rm(work, { recursive: true, force: true });
  }
}

/**
 * The level's stored metadata; an encrypted level also gets its chain MAC (crypto/chain-auth.ts)
 * over its place on the storage, its data, its snapshot file and its parent's MAC.
 */
function storedMetadataOf(opts: BackupOptions, run: Run, streamed: BackupStreamResult, snapshot: Buffer): StoredMetadata {
  const { slot, base } = run;
  const meta: StoredMetadata = {
    engine_name: 'tar',
    compression: opts.compression,
    encryption: run.pass !== null,
    ...(run.pass ? { encryption_format: opts.encryptionFormat } : {}),
    level: slot.level,
    data_size: streamed.storedBytes,
    ...(streamed.sha256 ? { data_sha256: streamed.sha256 } : {}),
  };
  const auth = base.auth;
  if (auth === null) return meta;
  if (streamed.head) meta.sealed_header_sha256 = sha256Hex(streamed.head);
  meta.engine_metadata_sha256 = sha256Hex(snapshot);
  if (slot.level === 0) meta.chain_salt = auth.salt;
  const hbn = hbnOf(run.at.hostname, run.at.backupName);
  meta.chain_mac = levelMac(auth.key, factsOf(hbn, { t0: slot.t0, level: slot.level, ts: slot.ts }, meta, auth.salt, auth.prevMac));
  return meta;
}

/**
 * Runs `write` with the sink for the stored data: the file itself for local storage without
 * encryption (the compressor writes it directly; its own checksum guards the data), else a
 * stream through the encryption. The openssl format is not authenticated, so its stored bytes
 * get a sha256, checked on restore; the sealed format authenticates every chunk itself.
 */
async function withSink<T>(
  storage: BackupStorage, file: string, opts: BackupOptions, pass: Buffer | null, write: (sink: BackupSink) => Promise<T>,
): Promise<T> {
  if (storage.kind === 'local' && pass === null) {
    const handle = await fs.open(file, 'wx', 0o600);
    try {
      const result = await write({ fd: handle.fd });
      await handle.sync();
      return result;
    } finally {
      await handle.close();
    }
  }
  const encrypt = pass === null ? null : opts.encryptionFormat === 'openssl' ? opensslEncrypt(pass) : sealEncrypt(pass);
  const sealed = pass !== null && opts.encryptionFormat === 'sealed';
  return write({ stream: await storage.createWriteStream(file), encrypt, checksum: pass !== null && !sealed, keepHead: sealed ? SEALED_HEADER_LEN : 0 });
}
