import type { Readable, Writable } from 'node:stream';

export interface StorageStat {
  size: number;
  mtimeMs: number;
  isDirectory: boolean;
}

/**
 * Where backups are kept. Paths are full POSIX paths that already include the container; for ssh
 * a relative path is relative to the login directory. Failures the operator must act on (missing
 * file, refused rename, lost connection...) are EngineErrors naming the path.
 */
export interface BackupStorage {
  readonly kind: 'local' | 'ssh';
  /** Entry names of a directory, sorted; a missing directory lists as []. */
  list(dir: string): Promise<string[]>;
  mkdirp(dir: string): Promise<void>;
  /**
   * Creates (or truncates) a file. Once the stream has finished (`await stream.finished(w)`), the
   * data is durable on the storage: flushed to disk and the file closed.
   */
  createWriteStream(file: string): Promise<Writable>;
  createReadStream(file: string): Promise<Readable>;
  readFile(file: string): Promise<Buffer>;
  /** Writes a whole file durably (same guarantee as a finished write stream). */
  writeFile(file: string, data: Buffer | string): Promise<void>;
  /** Atomic rename within the storage; fails (EngineError) if `to` exists. Works for files and directories. */
  rename(from: string, to: string): Promise<void>;
  /** rm -rf; a missing path is fine. */
  removeTree(path: string): Promise<void>;
  /** null when missing. */
  stat(path: string): Promise<StorageStat | null>;
  close(): Promise<void>;
}
