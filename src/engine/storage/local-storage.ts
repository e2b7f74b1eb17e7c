import fs from 'node:fs/promises';
import path from 'node:path';
import { Writable, type Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { EngineError } from '../engine-error';
import type { BackupStorage, StorageStat } from './backup-storage';

const STREAM_CHUNK = 256 * 1024;

/**
 * Modes of what the storage creates, whatever the umask: backups hold every file of the source,
 * readable by their owner only (and a restore recreates each file's own mode, not these).
 */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/**
 * A directory tree on this machine (or a mounted share). Files are fsynced once when closed and
 * directories after entries are added or renamed in them, so a completed backup survives power loss.
 */
export class LocalStorage implements BackupStorage {
  readonly kind = 'local' as const;

  async list(dir: string): Promise<string[]> {
    try {
      return (await fs.readdir(dir)).sort();
    } catch (err) {
      if (codeOf(err) === 'ENOENT') return [];
      throw failure('list', dir, err);
    }
  }

  async mkdirp(dir: string): Promise<void> {
    let first: string | undefined;
    try {
      first = await fs.mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    } catch (err) {
      throw failure('create directory', dir, err);
    }
    if (first === undefined) return;
    // A new directory's entry lives in its parent: sync the parents, from the deepest up to the first created.
    const top = path.resolve(first);
    for (let d = path.resolve(dir); ; d = path.dirname(d)) {
      await syncDir(path.dirname(d));
      if (d === top || d === path.dirname(d)) break;
    }
  }

  async createWriteStream(file: string): Promise<Writable> {
    return new LocalWriteStream(file, await open(file, 'w'));
  }

  async createReadStream(file: string): Promise<Readable> {
    const handle = await open(file, 'r');
    return handle.createReadStream({ highWaterMark: STREAM_CHUNK });
  }

  async readFile(file: string): Promise<Buffer> {
    const handle = await open(file, 'r');
    try {
      return await handle.readFile();
    } catch (err) {
      throw failure('read', file, err);
    } finally {
      await handle.close();
    }
  }

  async writeFile(file: string, data: Buffer | string): Promise<void> {
    const stream = await this.createWriteStream(file);
    await finished(stream.end(data));
  }

  async rename(from: string, to: string): Promise<void> {
    // Node has no renameat2(RENAME_NOREPLACE); the check leaves a tiny race with another writer.
    if (await this.exists(to)) throw new EngineError(`cannot rename ${from} to ${to}: the target exists`);
    try {
      await fs.rename(from, to);
    } catch (err) {
      throw new EngineError(`cannot rename ${from} to ${to}: ${reasonOf(err)}`, { cause: err });
    }
    await syncDir(path.dirname(path.resolve(to)));
    if (path.dirname(path.resolve(from)) !== path.dirname(path.resolve(to))) await syncDir(path.dirname(path.resolve(from)));
  }

  async removeTree(target: string): Promise<void> {
    try {
      await fs.rm(target, { recursive: true, force: true });
    } catch (err) {
      throw failure('remove', target, err);
    }
  }

  async stat(target: string): Promise<StorageStat | null> {
    try {
      const st = await fs.stat(target);
      return { size: st.size, mtimeMs: st.mtimeMs, isDirectory: st.isDirectory() };
    } catch (err) {
      if (codeOf(err) === 'ENOENT' || codeOf(err) === 'ENOTDIR') return null;
      throw failure('stat', target, err);
    }
  }

  async close(): Promise<void> {
    // Nothing held open between calls.
  }

  private async exists(target: string): Promise<boolean> {
    try {
      await fs.lstat(target);
      return true;
    } catch (err) {
      if (codeOf(err) === 'ENOENT') return false;
      throw failure('stat', target, err);
    }
  }
}

/**
 * Sequential writes (batched by _writev); `finish` comes only after the one fsync of the file, its
 * close and the fsync of its directory, so the new entry is durable too.
 */
class LocalWriteStream extends Writable {
  private handle: fs.FileHandle | null;

  constructor(private readonly file: string, handle: fs.FileHandle) {
    super({ highWaterMark: STREAM_CHUNK });
    this.handle = handle;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.settle(this.writeAll([chunk]), 'write', cb);
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, cb: (err?: Error | null) => void): void {
    this.settle(this.writeAll(chunks.map((c) => c.chunk)), 'write', cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.settle(this.commit(), 'sync', cb);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    const handle = this.handle;
    this.handle = null;
    if (!handle) return cb(err);
    handle.close().then(() => cb(err), (closeErr: Error) => cb(err ?? closeErr));
  }

  private async writeAll(buffers: Buffer[]): Promise<void> {
    // writev() may write less than asked (full disk, signals): go on from where it stopped.
    let rest = buffers;
    while (rest.length > 0) {
      const { bytesWritten } = await this.handle!.writev(rest);
      rest = dropBytes(rest, bytesWritten);
    }
  }

  private async commit(): Promise<void> {
    const handle = this.handle!;
    this.handle = null;
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await syncDir(path.dirname(path.resolve(this.file)));
  }

  private settle(work: Promise<void>, what: string, cb: (err?: Error | null) => void): void {
    work.then(() => cb(), (err: unknown) => cb(err instanceof EngineError ? err : failure(what, this.file, err)));
  }
}

function dropBytes(buffers: Buffer[], count: number): Buffer[] {
  let left = count;
  const out: Buffer[] = [];
  for (const b of buffers) {
    if (left >= b.length) left -= b.length;
    else {
      out.push(left > 0 ? b.subarray(left) : b);
      left = 0;
    }
  }
  return out;
}

async function open(file: string, flags: 'r' | 'w'): Promise<fs.FileHandle> {
  try {
    return await fs.open(file, flags, PRIVATE_FILE_MODE);
  } catch (err) {
    if (flags === 'r' && codeOf(err) === 'ENOENT') throw new EngineError(`${file}: no such file on the local storage`, { cause: err });
    throw failure(flags === 'r' ? 'read' : 'write', file, err);
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } catch (err) {
    // Some file systems (and all of Windows) cannot fsync a directory; the data files are synced.
    if (codeOf(err) !== 'EINVAL' && codeOf(err) !== 'EPERM' && codeOf(err) !== 'EISDIR') throw failure('sync', dir, err);
  } finally {
    await handle.close();
  }
}

function failure(what: string, target: string, err: unknown): EngineError {
  return new EngineError(`cannot ${what} ${target} on the local storage: ${reasonOf(err)}`, { cause: err });
}

function codeOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}

function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
