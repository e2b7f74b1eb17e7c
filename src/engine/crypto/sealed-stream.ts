/**
 * Sealed stream: the default, authenticated encryption format of new Permafrost backups.
 *
 * Layout (all integers unsigned, big-endian):
 *
 *   header (39 bytes)
 *     0  magic        8   ASCII "PFSEAL01"
 *     8  kdf id       1   1 = scrypt (the only one defined)
 *     9  log2(N)      1   scrypt cost, N = 2^log2N          (written: 15; accepted: 10..20)
 *    10  r            1   scrypt block size                 (written: 8;  accepted: 1..16)
 *    11  p            1   scrypt parallelism                (written: 1;  accepted: 1..4)
 *    12  salt        16   random per stream
 *    28  nonce prefix 7   random per stream
 *    35  chunk size   4   plaintext bytes per chunk         (written: 1 MiB; accepted: 16 KiB..16 MiB)
 *   body: chunk 0 | chunk 1 | ... | chunk n-1       (n >= 1)
 *     chunk i = AES-256-GCM ciphertext of plaintext slice i || 16-byte GCM tag
 *
 * key   = scrypt(passphrase, salt, N, r, p, 32 bytes); besides the ranges above, scrypt's memory
 *         (128*r*(N+2) + 128*r*p bytes) must not exceed 64 MiB, so e.g. at r=8 log2N is at most 15.
 * nonce = nonce prefix (7) || i as u32 (4) || last flag (1): 1 for chunk n-1, 0 for the others.
 * AAD   = the whole 39-byte header, on every chunk.
 *
 * This is the STREAM construction (Hoang, Reyhanitabar, Rogaway, Vizár 2015): the counter in the
 * nonce pins every chunk to its position (no reordering, dropping or duplicating), the last flag
 * marks the end (cutting the stream at a chunk boundary leaves no chunk that opens as final) and
 * the header as AAD makes any change to the parameters, salt or prefix fail on the first chunk.
 * Every plaintext chunk but the last has exactly `chunk size` bytes; the last has 1..chunk size
 * bytes, or 0 only when the whole plaintext is empty, so exactly one final chunk always exists.
 * The counter is 32 bits: a stream can hold at most 2^32 chunks (64 TiB at the smallest chunk).
 *
 * A reader validates the header parameters before running scrypt (a hostile header must not make
 * it burn gigabytes or minutes), decrypts a non-final chunk only once more than chunk size + 16
 * bytes are buffered (so it knows more follows), treats the 16..chunk size + 16 bytes left at the
 * end as the final chunk, and pushes a chunk's plaintext only after its tag has verified.
 * The random salt gives every stream its own key, so (key, nonce) pairs never repeat; the
 * prefix is extra margin should a salt ever be reused.
 *
 * Failures are EngineErrors: "not a Permafrost sealed stream (bad magic)", "sealed stream:
 * <param> is outside ..." for headers with out-of-range parameters, and "backup data failed
 * authentication (...)" for everything a tag catches (wrong passphrase, altered bytes, cut-off,
 * trailing bytes, reordered chunks). Being a stream, the reader has already released the verified
 * chunks before a later one fails: a consumer must treat the error as failing the whole restore.
 */
import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';
import { Transform, TransformCallback } from 'node:stream';
import { EngineError } from '../engine-error';

export const SEALED_MAGIC = Buffer.from('PFSEAL01', 'latin1');

export const SEALED_HEADER_LEN = 39;
const HEADER_LEN = SEALED_HEADER_LEN;
const SALT_LEN = 16;
const PREFIX_LEN = 7;
const TAG_LEN = 16;
const KEY_LEN = 32;
const KDF_SCRYPT = 1;
const MAX_COUNTER = 0xffffffff;
const MAX_SCRYPT_MEM = 64 * 1024 * 1024;
/** Below this average input size the writer gathers a chunk's pieces before encrypting. */
const MIN_PIECE = 4 * 1024;
const DEFAULTS = { log2N: 15, r: 8, p: 1, chunkSize: 1024 * 1024 };
const LIMITS = {
  log2N: [10, 20], r: [1, 16], p: [1, 4], chunkSize: [16 * 1024, 16 * 1024 * 1024],
} as const;

const AUTH_FAILED = 'backup data failed authentication (wrong key, or the data was altered or truncated)';

interface Params {
  log2N: number;
  r: number;
  p: number;
  chunkSize: number;
  salt: Buffer;
  prefix: Buffer;
}

/** Does `head` (the first bytes of a stream) start like a sealed stream? */
export function isSealed(head: Buffer): boolean {
  return head.length >= SEALED_MAGIC.length && head.subarray(0, SEALED_MAGIC.length).equals(SEALED_MAGIC);
}

function authFailure(cause?: unknown): EngineError {
  return new EngineError(AUTH_FAILED, cause === undefined ? undefined : { cause });
}

/** Memory OpenSSL's scrypt allocates for these parameters (its own maxmem formula). */
function scryptMemory(log2N: number, r: number, p: number): number {
  return 128 * r * (2 ** log2N + 2) + 128 * r * p;
}

/** Reject parameters outside the accepted ranges; shared by writer options and reader headers. */
function checkParams(params: Omit<Params, 'salt' | 'prefix'>): void {
  for (const name of ['log2N', 'r', 'p', 'chunkSize'] as const) {
    const [lo, hi] = LIMITS[name];
    const value = params[name];
    if (!Number.isInteger(value) || value < lo || value > hi) {
      throw new EngineError(`sealed stream: ${name}=${value} is outside ${lo}..${hi} (header altered, or unsupported)`);
    }
  }
  if (scryptMemory(params.log2N, params.r, params.p) > MAX_SCRYPT_MEM) {
    throw new EngineError(`sealed stream: scrypt log2N=${params.log2N} r=${params.r} p=${params.p} needs more than 64 MiB`);
  }
}

function encodeHeader(params: Params): Buffer {
  const header = Buffer.alloc(HEADER_LEN);
  SEALED_MAGIC.copy(header, 0);
  header.writeUInt8(KDF_SCRYPT, 8);
  header.writeUInt8(params.log2N, 9);
  header.writeUInt8(params.r, 10);
  header.writeUInt8(params.p, 11);
  params.salt.copy(header, 12);
  params.prefix.copy(header, 28);
  header.writeUInt32BE(params.chunkSize, 35);
  return header;
}

/** Parse and validate a header; nothing here costs more than reading 39 bytes. */
function decodeHeader(header: Buffer): Params {
  if (!isSealed(header)) throw new EngineError('not a Permafrost sealed stream (bad magic)');
  const kdf = header.readUInt8(8);
  if (kdf !== KDF_SCRYPT) throw new EngineError(`sealed stream: unknown kdf id ${kdf} (header altered, or unsupported)`);
  const params: Params = {
    log2N: header.readUInt8(9),
    r: header.readUInt8(10),
    p: header.readUInt8(11),
    salt: header.subarray(12, 28),
    prefix: header.subarray(28, 35),
    chunkSize: header.readUInt32BE(35),
  };
  checkParams(params);
  return params;
}

/** Async scrypt: it runs on the libuv pool, so deriving the key never blocks the event loop. */
function deriveKey(pass: Buffer, params: Params): Promise<Buffer> {
  const opts = { N: 2 ** params.log2N, r: params.r, p: params.p, maxmem: MAX_SCRYPT_MEM };
  return new Promise((resolve, reject) => {
    scrypt(pass, params.salt, KEY_LEN, opts, (err, key) => {
      if (err) reject(new EngineError('sealed stream: key derivation (scrypt) failed', { cause: err }));
      else resolve(key);
    });
  });
}

/** The 12-byte GCM nonce of chunk `counter`; exported for tests of the overflow guard. */
export function chunkNonce(prefix: Buffer, counter: number, last: boolean): Buffer {
  if (!Number.isInteger(counter) || counter < 0 || counter > MAX_COUNTER) {
    throw new EngineError('sealed stream: too many chunks (32-bit chunk counter overflow)');
  }
  const nonce = Buffer.alloc(PREFIX_LEN + 5);
  prefix.copy(nonce, 0);
  nonce.writeUInt32BE(counter, PREFIX_LEN);
  nonce[PREFIX_LEN + 4] = last ? 1 : 0;
  return nonce;
}

/**
 * FIFO of pending input buffers. Chunks are handed out as slices of the inputs (takeParts), so
 * big data is never re-copied as it waits; take() copies only when its bytes span inputs, which
 * is meant for small things (tags) and for gathering tiny writes.
 */
class ByteQueue {
  private bufs: Buffer[] = [];
  private head = 0;
  length = 0;

  push(buf: Buffer): void {
    if (buf.length === 0) return;
    this.bufs.push(buf);
    this.length += buf.length;
  }

  /** Whether the queued bytes so far agree with the start of `prefix`. */
  startsLike(prefix: Buffer): boolean {
    const n = Math.min(this.length, prefix.length);
    return this.peek(n).equals(prefix.subarray(0, n));
  }

  /** The next `n` bytes (`n` <= length) without removing them; only used for short peeks. */
  peek(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = this.head, off = 0; off < n; i += 1) off += this.bufs[i].copy(out, off, 0, n - off);
    return out;
  }

  /** Remove and return the next `n` bytes (`n` <= length), copied only if they span inputs. */
  take(n: number): Buffer {
    const parts = this.takeParts(n);
    return parts.length === 1 ? parts[0] : Buffer.concat(parts, n);
  }

  /** Remove the next `n` bytes (`n` <= length) as slices of the queued inputs, without copying. */
  takeParts(n: number): Buffer[] {
    const parts: Buffer[] = [];
    for (let got = 0; got < n;) {
      const buf = this.bufs[this.head];
      parts.push(this.slice(buf, Math.min(buf.length, n - got)));
      got += parts[parts.length - 1].length;
    }
    return parts;
  }

  private slice(buf: Buffer, n: number): Buffer {
    if (n === buf.length) this.dropHead();
    else this.bufs[this.head] = buf.subarray(n);
    this.length -= n;
    return buf.subarray(0, n);
  }

  /** Advance past the first buffer; compact now and then so many tiny writes stay O(1) each. */
  private dropHead(): void {
    this.head += 1;
    if (this.head === this.bufs.length) {
      this.bufs = [];
      this.head = 0;
    } else if (this.head > 64 && this.head * 2 > this.bufs.length) {
      this.bufs = this.bufs.slice(this.head);
      this.head = 0;
    }
  }
}

/** Shared plumbing: queue, chunk counter, and running work once the key is known. */
abstract class SealedTransform extends Transform {
  protected readonly queue = new ByteQueue();
  protected counter = 0;
  protected key: Buffer | null = null;
  protected keyPromise: Promise<Buffer> | null = null;

  /** Run `work` with the key (waiting for scrypt the first time), then call `cb` once. */
  protected withKey(cb: TransformCallback, work: (key: Buffer) => void): void {
    const run = (key: Buffer): void => {
      try {
        work(key);
      } catch (err) {
        cb(err as Error);
        return;
      }
      cb();
    };
    if (this.key) return run(this.key);
    if (!this.keyPromise) return cb(new Error('sealed stream: key requested before derivation'));
    this.keyPromise.then((key) => {
      this.key = key;
      run(key);
    }, (err: Error) => cb(err));
  }
}

function checkPass(pass: Buffer): void {
  if (pass.length === 0) throw new EngineError('sealed stream: the passphrase is empty');
}

class SealEncoder extends SealedTransform {
  private readonly header: Buffer;
  private readonly params: Params;
  private headerSent = false;

  constructor(pass: Buffer, opts: { chunkSize?: number; log2N?: number }) {
    super();
    checkPass(pass);
    this.params = {
      ...DEFAULTS,
      chunkSize: opts.chunkSize ?? DEFAULTS.chunkSize,
      log2N: opts.log2N ?? DEFAULTS.log2N,
      salt: randomBytes(SALT_LEN),
      prefix: randomBytes(PREFIX_LEN),
    };
    checkParams(this.params);
    this.header = encodeHeader(this.params);
    // Start scrypt now so it overlaps with the producer warming up; a stream dropped before use
    // must not leave an unhandled rejection behind.
    this.keyPromise = deriveKey(pass, this.params);
    this.keyPromise.catch(() => undefined);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.queue.push(chunk);
    if (this.queue.length <= this.params.chunkSize) return cb();
    this.withKey(cb, (key) => this.sealFull(key));
  }

  override _flush(cb: TransformCallback): void {
    this.withKey(cb, (key) => {
      this.sealFull(key);
      this.sealChunk(key, this.queue.length, true);
    });
  }

  /** Seal full chunks while MORE than one chunk is queued: the final chunk is never empty. */
  private sealFull(key: Buffer): void {
    const size = this.params.chunkSize;
    while (this.queue.length > size) this.sealChunk(key, size, false);
  }

  /** Seal the next `size` queued bytes, fed to GCM slice by slice rather than copied together. */
  private sealChunk(key: Buffer, size: number, last: boolean): void {
    if (!this.headerSent) this.push(this.header);
    this.headerSent = true;
    const nonce = chunkNonce(this.params.prefix, this.counter, last);
    const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_LEN });
    cipher.setAAD(this.header);
    let parts = this.queue.takeParts(size);
    // Many tiny writes would become as many tiny pushes; one copy is cheaper downstream.
    if (parts.length > 1 && size / parts.length < MIN_PIECE) parts = [Buffer.concat(parts, size)];
    for (const part of parts) this.push(cipher.update(part));
    cipher.final();
    this.counter += 1;
    this.push(cipher.getAuthTag());
  }
}

class SealDecoder extends SealedTransform {
  private header: Buffer | null = null;
  private params: Params | null = null;

  constructor(private readonly pass: Buffer) {
    super();
    checkPass(pass);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.queue.push(chunk);
    try {
      if (!this.readHeader()) return cb();
    } catch (err) {
      return cb(err as Error);
    }
    this.withKey(cb, (key) => this.openFull(key));
  }

  override _flush(cb: TransformCallback): void {
    if (!this.header) {
      // Ended inside the header: a cut-off sealed stream, or something else entirely.
      const err = this.queue.startsLike(SEALED_MAGIC) ? authFailure() : new EngineError('not a Permafrost sealed stream (bad magic)');
      return cb(err);
    }
    this.withKey(cb, (key) => {
      this.openFull(key);
      if (this.queue.length < TAG_LEN) throw authFailure();
      this.openChunk(key, this.queue.length - TAG_LEN, true);
    });
  }

  /** Parse the header once it is all there and start scrypt; false while bytes are missing. */
  private readHeader(): boolean {
    if (this.header) return true;
    if (!this.queue.startsLike(SEALED_MAGIC)) throw new EngineError('not a Permafrost sealed stream (bad magic)');
    if (this.queue.length < HEADER_LEN) return false;
    const header = Buffer.from(this.queue.take(HEADER_LEN));
    this.params = decodeHeader(header);
    this.header = header;
    this.keyPromise = deriveKey(this.pass, this.params);
    return true;
  }

  /** Open chunks only while more than one frame is queued: the last frame must open as final. */
  private openFull(key: Buffer): void {
    const size = this.requireParams().chunkSize;
    while (this.queue.length > size + TAG_LEN) this.openChunk(key, size, false);
  }

  /**
   * Open the next frame of `size` ciphertext bytes plus tag. The ciphertext is fed to GCM slice
   * by slice (no copy into a frame buffer); the plaintext is held until the tag has verified.
   */
  private openChunk(key: Buffer, size: number, last: boolean): void {
    const nonce = chunkNonce(this.requireParams().prefix, this.counter, last);
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_LEN });
    decipher.setAAD(this.header as Buffer);
    const plain = this.queue.takeParts(size).map((part) => decipher.update(part));
    decipher.setAuthTag(this.queue.take(TAG_LEN));
    try {
      decipher.final();
    } catch (err) {
      // `plain` is dropped: nothing of a chunk that failed its tag ever leaves this stream.
      throw authFailure(err);
    }
    this.counter += 1;
    for (const part of plain) this.push(part);
  }

  private requireParams(): Params {
    if (!this.params) throw new Error('sealed stream: header not read yet');
    return this.params;
  }
}

/** Encrypt into a sealed stream (format above). `opts` exist for tests and tuning. */
export function sealEncrypt(pass: Buffer, opts: { chunkSize?: number; log2N?: number } = {}): Transform {
  return new SealEncoder(pass, opts);
}

/** Decrypt and verify a sealed stream; errors with EngineError on any authentication failure. */
export function sealDecrypt(pass: Buffer): Transform {
  return new SealDecoder(pass);
}
