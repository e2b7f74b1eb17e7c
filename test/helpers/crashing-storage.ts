import type { Readable, Writable } from 'node:stream';
import type { BackupStorage, StorageStat } from '../../src/engine/storage/backup-storage';

/**
 * A storage that dies right after its N-th call once armed: the call's effect is on the storage,
 * then `crash` runs (throws, or ends the process), and every later call fails as on a storage
 * that went away. Not armed, or with crashAfter null, it only records the calls it passes on.
 */
export class CrashingStorage implements BackupStorage {
  /** `<method> <path>` of each call made while armed, in order. */
  readonly calls: string[] = [];
  private armed = false;
  private dead = false;

  constructor(private readonly inner: BackupStorage, private readonly crashAfter: number | null, private readonly crash: (call: string) => void) {}

  get kind(): BackupStorage['kind'] {
    return this.inner.kind;
  }

  /** Counts the calls from now on. */
  arm(): void {
    this.armed = true;
  }

  list(dir: string): Promise<string[]> {
    return this.pass('list', dir, () => this.inner.list(dir));
  }

  mkdirp(dir: string): Promise<void> {
    return this.pass('mkdirp', dir, () => this.inner.mkdirp(dir));
  }

  createWriteStream(file: string): Promise<Writable> {
    return this.pass('createWriteStream', file, () => this.inner.createWriteStream(file));
  }

  createReadStream(file: string): Promise<Readable> {
    return this.pass('createReadStream', file, () => this.inner.createReadStream(file));
  }

  readFile(file: string): Promise<Buffer> {
    return this.pass('readFile', file, () => this.inner.readFile(file));
  }

  writeFile(file: string, data: Buffer | string): Promise<void> {
    return this.pass('writeFile', file, () => this.inner.writeFile(file, data));
  }

  rename(from: string, to: string): Promise<void> {
    return this.pass('rename', `${from} -> ${to}`, () => this.inner.rename(from, to));
  }

  removeTree(target: string): Promise<void> {
    return this.pass('removeTree', target, () => this.inner.removeTree(target));
  }

  stat(target: string): Promise<StorageStat | null> {
    return this.pass('stat', target, () => this.inner.stat(target));
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private async pass<T>(method: string, target: string, call: () => Promise<T>): Promise<T> {
    if (this.dead) throw new Error(`storage gone (crash injected earlier): ${method} ${target}`);
    const result = await call();
    if (this.armed) {
      this.calls.push(`${method} ${target}`);
      if (this.calls.length === this.crashAfter) {
        this.dead = true;
        this.crash(this.calls[this.calls.length - 1]);
      }
    }
    return result;
  }
}
