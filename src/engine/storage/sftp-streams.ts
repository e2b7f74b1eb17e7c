import { Readable, Writable } from 'node:stream';
import type { SFTPWrapper } from 'ssh2';
import type { EngineError } from '../engine-error';

/**
 * Streams move 128 KiB requests, 16 in flight: 2 MiB, the channel window of both OpenSSH and ssh2,
 * so the link does not idle for a round trip per request. 128 KiB stays under OpenSSH's 255 KiB
 * request limit (ssh2 would split a bigger one into requests sent one after the other).
 */
const BLOCK = 128 * 1024;
export const DEPTH = 16;

/** Turns an SFTP error of one step ('write', 'sync', ...) into the storage's EngineError naming the file. */
export type Failure = (what: string, err: unknown) => EngineError;

/**
 * Writes with up to DEPTH requests in flight (ssh2's own stream waits for each one). Data is
 * copied into BLOCK-sized requests; `finish` comes after the last reply, an fsync@openssh.com
 * when the server offers it, and the close, so a finished file is on the server's disk.
 */
export class SftpWriteStream extends Writable {
  private handle: Buffer | null;
  private pos = 0;
  private inFlight = 0;
  private failed: EngineError | null = null;
  private waiter: { limit: number; cb: (err?: Error | null) => void } | null = null;
  private stage = Buffer.allocUnsafe(BLOCK);
  private staged = 0;

  constructor(private readonly sftp: SFTPWrapper, handle: Buffer, private readonly failure: Failure) {
    super({ highWaterMark: BLOCK });
    this.handle = handle;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.failed) return cb(this.failed);
    for (let off = 0; off < chunk.length;) {
      const n = chunk.copy(this.stage, this.staged, off);
      this.staged += n;
      off += n;
      if (this.staged === BLOCK) this.sendStage();
    }
    this.whenBelow(DEPTH, cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (this.staged > 0) this.sendStage();
    this.whenBelow(1, (err) => (err ? cb(err) : this.commit().then(() => cb(), cb)));
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    const handle = this.handle;
    this.handle = null;
    if (!handle) return cb(err);
    closeQuietly(this.sftp, handle, () => cb(err));
  }

  private sendStage(): void {
    // A fresh buffer per request: ssh2 keeps a reference when it splits a request for a small server limit.
    const block = this.stage.subarray(0, this.staged);
    this.stage = Buffer.allocUnsafe(BLOCK);
    this.staged = 0;
    const at = this.pos;
    this.pos += block.length;
    this.inFlight++;
    this.sftp.write(this.handle!, block, 0, block.length, at, (err) => {
      this.inFlight--;
      if (err && !this.failed) this.failed = this.failure('write', err);
      this.wake();
    });
  }

  private whenBelow(limit: number, cb: (err?: Error | null) => void): void {
    this.waiter = { limit, cb };
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    if (!w || (!this.failed && this.inFlight >= w.limit)) return;
    this.waiter = null;
    w.cb(this.failed);
  }

  private async commit(): Promise<void> {
    const handle = this.handle!;
    this.handle = null;
    try {
      await fsyncRemote(this.sftp, handle);
    } catch (err) {
      closeQuietly(this.sftp, handle, () => undefined);
      throw this.failure('sync', err);
    }
    await new Promise<void>((resolve, reject) => this.sftp.close(handle, (err) => (err ? reject(this.failure('close', err)) : resolve())));
  }
}

interface Slot {
  offset: number;
  buf: Buffer;
  got: number;
  done: boolean;
  eof: boolean;
}

/**
 * Reads the file (size taken when opened) with up to DEPTH requests in flight and hands the
 * blocks on in order; short replies are completed with a follow-up request for the rest.
 */
export class SftpReadStream extends Readable {
  private next = 0;
  private slots: Slot[] = [];
  private wanted = false;
  private ended = false;

  constructor(private readonly sftp: SFTPWrapper, private handle: Buffer | null, private readonly size: number, private readonly failure: Failure) {
    super({ highWaterMark: BLOCK });
  }

  override _read(): void {
    this.wanted = true;
    this.pump();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    const handle = this.handle;
    this.handle = null;
    if (!handle) return cb(err);
    closeQuietly(this.sftp, handle, () => cb(err));
  }

  private pump(): void {
    while (this.wanted && this.slots[0]?.done) {
      const slot = this.slots.shift()!;
      // The file got shorter than when opened: what was there is all there is.
      if (slot.eof) [this.slots, this.next] = [[], this.size];
      if (slot.got > 0) this.wanted = this.push(slot.buf.subarray(0, slot.got));
    }
    if (this.wanted) this.issue();
    if (this.slots.length === 0 && this.next >= this.size && !this.ended) {
      this.ended = true;
      this.push(null);
    }
  }

  private issue(): void {
    while (this.slots.length < DEPTH && this.next < this.size) {
      const len = Math.min(BLOCK, this.size - this.next);
      const slot: Slot = { offset: this.next, buf: Buffer.allocUnsafe(len), got: 0, done: false, eof: false };
      this.next += len;
      this.slots.push(slot);
      this.fill(slot);
    }
  }

  private fill(slot: Slot): void {
    if (!this.handle) return;
    this.sftp.read(this.handle, slot.buf, slot.got, slot.buf.length - slot.got, slot.offset + slot.got, (err, n) => {
      if (this.destroyed) return;
      if (err) return void this.destroy(this.failure('read', err));
      slot.got += n;
      slot.eof = n === 0;
      if (slot.eof || slot.got === slot.buf.length) {
        slot.done = true;
        this.pump();
      } else this.fill(slot);
    });
  }
}

/** fsync@openssh.com when offered; other servers get no more than the close. */
function fsyncRemote(sftp: SFTPWrapper, handle: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    try {
      sftp.ext_openssh_fsync(handle, (err) => (err ? reject(err) : resolve()));
    } catch {
      resolve();
    }
  });
}

export function closeQuietly(sftp: SFTPWrapper, handle: Buffer, then: () => void): void {
  try {
    sftp.close(handle, () => then());
  } catch {
    then();
  }
}
