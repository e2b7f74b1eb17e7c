import assert from 'node:assert/strict';
import crypto, { createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { EngineError } from '../../../../src/engine/engine-error';
import { SEALED_MAGIC, isSealed, sealDecrypt, sealEncrypt } from '../../../../src/engine/crypto';
import { chunkNonce } from '../../../../src/engine/crypto/sealed-stream';

const CHUNK = 16 * 1024;
const FAST = { chunkSize: CHUNK, log2N: 10 };
const HEADER = 39;
const FRAME = CHUNK + 16;
const PASS = Buffer.from('sealed test passphrase');
const AUTH = /failed authentication \(wrong key, or the data was altered or truncated\)/;

/** Small seeded PRNG so random splits are reproducible. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t ^= t + Math.imul(t ^ (t >>> 7), 61 | t);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Cut `buf` into random pieces (0..2*avg bytes, empty pieces included). */
function randomSplit(buf: Buffer, seed: number, avg = 5000): Buffer[] {
  const next = prng(seed);
  const pieces: Buffer[] = [];
  for (let off = 0; off < buf.length;) {
    const n = Math.floor(next() * 2 * avg);
    pieces.push(buf.subarray(off, off + n));
    off += n;
  }
  return pieces;
}

/** Run a transform over `pieces`, recording every buffer it pushes (even if it later fails). */
async function run(t: Transform, pieces: Buffer[]): Promise<{ out: Buffer; pushed: Buffer; error?: unknown }> {
  const pushedList: Buffer[] = [];
  const push = t.push.bind(t);
  t.push = (chunk: Buffer | null, enc?: BufferEncoding) => {
    if (chunk) pushedList.push(Buffer.from(chunk));
    return push(chunk, enc);
  };
  const out: Buffer[] = [];
  let error: unknown;
  try {
    await pipeline(Readable.from(pieces), t, async (src: AsyncIterable<Buffer>) => {
      for await (const c of src) out.push(c);
    });
  } catch (err) {
    error = err;
  }
  return { out: Buffer.concat(out), pushed: Buffer.concat(pushedList), error };
}

async function seal(plain: Buffer, seed = 1, opts = FAST, avg = 5000): Promise<Buffer> {
  const { out, error } = await run(sealEncrypt(PASS, opts), randomSplit(plain, seed, avg));
  assert.equal(error, undefined);
  return out;
}

/** Decrypt expecting failure: the error must be an EngineError and the plaintext pushed before it exactly `okBytes`. */
async function expectReject(sealed: Buffer, plain: Buffer, okBytes: number, message: RegExp, pass = PASS): Promise<void> {
  const { pushed, error } = await run(sealDecrypt(pass), randomSplit(sealed, sealed.length, 3000));
  assert.ok(error instanceof EngineError, `expected EngineError, got ${String(error)}`);
  assert.match(error.message, message);
  assert.equal(pushed.length, okBytes, 'only fully verified chunks may be pushed');
  assert.deepEqual(pushed, plain.subarray(0, okBytes));
}

/** Independent reader written from the format description, to pin the on-disk layout. */
function referenceOpen(sealed: Buffer, pass: Buffer): Buffer {
  const header = sealed.subarray(0, HEADER);
  assert.deepEqual(header.subarray(0, 8), Buffer.from('PFSEAL01'));
  assert.equal(header[8], 1);
  const key = scryptSync(pass, header.subarray(12, 28), 32, { N: 2 ** header[9], r: header[10], p: header[11], maxmem: 64 << 20 });
  const size = header.readUInt32BE(35);
  const plain: Buffer[] = [];
  for (let off = HEADER, i = 0; off < sealed.length; i += 1) {
    const frame = sealed.subarray(off, Math.min(off + size + 16, sealed.length));
    off += frame.length;
    const nonce = Buffer.concat([header.subarray(28, 35), Buffer.from([0, 0, 0, 0, off === sealed.length ? 1 : 0])]);
    nonce.writeUInt32BE(i, 7);
    const d = createDecipheriv('aes-256-gcm', key, nonce);
    d.setAAD(header);
    d.setAuthTag(frame.subarray(frame.length - 16));
    plain.push(d.update(frame.subarray(0, frame.length - 16)), d.final());
  }
  return Buffer.concat(plain);
}

function flip(buf: Buffer, at: number, mask = 0x01): Buffer {
  const copy = Buffer.from(buf);
  copy[at] ^= mask;
  return copy;
}

/** Run `body` with crypto.scrypt replaced by `fake` (given the real one); restores it afterwards. */
async function withScrypt(fake: (real: (...a: unknown[]) => void, args: unknown[]) => void, body: () => Promise<void>): Promise<void> {
  const mod = crypto as unknown as { scrypt: typeof crypto.scrypt };
  const real = mod.scrypt as (...a: unknown[]) => void;
  mod.scrypt = ((...args: unknown[]) => fake(real, args)) as typeof crypto.scrypt;
  try {
    await body();
  } finally {
    mod.scrypt = real as typeof crypto.scrypt;
  }
}

/** Make scrypt observable: how many times `body` ran it. */
async function countingScrypt(body: () => Promise<void>): Promise<number> {
  let calls = 0;
  await withScrypt((real, args) => {
    calls += 1;
    real(...args);
  }, body);
  return calls;
}

/**
 * Write `writes` (each a separate write) without ending the stream and settle on the first of: `want` bytes out (resolve),
 * an error (reject), or the deadline (reject). Proves the transform works as data arrives rather
 * than holding everything until the end; it is destroyed afterwards.
 */
function beforeEnd(t: Transform, writes: Buffer[], want: number, deadlineMs = 10000): Promise<Buffer> {
  const out: Buffer[] = [];
  let got = 0;
  return new Promise<Buffer>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${got} of ${want} bytes out, and no error, while the input is open`)), deadlineMs);
    t.on('data', (c: Buffer) => {
      out.push(c);
      got += c.length;
      if (got >= want) resolve(Buffer.concat(out));
    });
    t.on('error', reject);
    t.on('close', () => clearTimeout(timer));
    for (const w of writes) t.write(w);
  }).finally(() => t.destroy());
}

describe('sealed stream (engine/crypto/sealed-stream.ts)', function () {
  this.timeout(30000);
  const SIZES = [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 5];

  it('round-trips every size with random splits on both sides', async () => {
    // Write sizes: tiny pieces (gathered per chunk), a few KiB, and larger than a chunk.
    for (const [i, size] of SIZES.entries()) for (const avg of [17, 5000, 20000]) {
      const plain = randomBytes(size);
      const sealed = await seal(plain, 100 + i, FAST, avg);
      for (const seed of [1, 2, 3]) {
        const { out, error } = await run(sealDecrypt(PASS), randomSplit(sealed, seed * 31 + i, seed === 3 ? 17 : 4000));
        assert.equal(error, undefined, `size ${size}: ${String(error)}`);
        assert.deepEqual(out, plain, `size ${size}`);
      }
    }
  });

  it('writes the documented layout: header fields, chunk count, nonce, last flag, AAD', async () => {
    for (const size of SIZES) {
      const plain = randomBytes(size);
      const sealed = await seal(plain);
      const chunks = Math.max(1, Math.ceil(size / CHUNK));
      assert.equal(sealed.length, HEADER + size + 16 * chunks, `size ${size}`);
      assert.deepEqual([sealed[8], sealed[9], sealed[10], sealed[11]], [1, 10, 8, 1]);
      assert.equal(sealed.readUInt32BE(35), CHUNK);
      assert.deepEqual(referenceOpen(sealed, PASS), plain, `size ${size}`);
    }
  });

  it('defaults to scrypt 2^15, r=8, p=1 and 1 MiB chunks', async () => {
    const plain = randomBytes(1024 * 1024 + 3);
    const { out: sealed } = await run(sealEncrypt(PASS), [plain]);
    assert.deepEqual([...sealed.subarray(8, 12)], [1, 15, 8, 1]);
    assert.equal(sealed.readUInt32BE(35), 1024 * 1024);
    assert.equal(sealed.length, HEADER + plain.length + 32);
    const { out } = await run(sealDecrypt(PASS), randomSplit(sealed, 9, 70000));
    assert.deepEqual(out, plain);
  });

  it('uses a fresh salt and nonce prefix per stream; isSealed spots the magic', async () => {
    const plain = Buffer.from('same input');
    const [a, b] = [await seal(plain), await seal(plain)];
    assert.notDeepEqual(a.subarray(12, 35), b.subarray(12, 35));
    assert.ok(isSealed(a));
    assert.ok(isSealed(SEALED_MAGIC));
    assert.ok(!isSealed(a.subarray(0, 7)));
    assert.ok(!isSealed(Buffer.from('Salted__12345678')));
  });

  it('works as data arrives: full chunks are sealed and opened before the input ends', async () => {
    // A backup is far larger than memory: neither side may hold the stream until its end.
    const plain = randomBytes(2 * CHUNK + 1);
    const sealedPart = await beforeEnd(sealEncrypt(PASS, FAST), [plain], HEADER + 2 * FRAME);
    assert.equal(sealedPart.length, HEADER + 2 * FRAME, 'two full chunks, the final one held back');
    assert.ok(isSealed(sealedPart));
    const sealed = await seal(randomBytes(3 * CHUNK + 5));
    const head = sealed.subarray(0, HEADER + 2 * FRAME + 1);
    // In one write (the header and the chunks arrive together), and with the header written alone.
    for (const writes of [[head], [head.subarray(0, HEADER), head.subarray(HEADER)]]) {
      const opened = await beforeEnd(sealDecrypt(PASS), writes, 2 * CHUNK);
      assert.equal(opened.length, 2 * CHUNK, 'the two chunks known not to be the last');
      assert.deepEqual(opened, referenceOpen(sealed, PASS).subarray(0, 2 * CHUNK));
    }
  });

  it('refuses input that is not a sealed stream on its first bytes, before it ends', async () => {
    await assert.rejects(beforeEnd(sealDecrypt(PASS), [Buffer.from('ustar')], 1), (err: unknown) => {
      assert.ok(err instanceof EngineError, String(err));
      assert.equal(err.message, 'not a Permafrost sealed stream (bad magic)');
      return true;
    });
  });

  it('reports a failed key derivation as such, on both sides', async () => {
    const sealedEmpty = await seal(Buffer.alloc(0));
    const boom = new Error('out of memory (simulated)');
    await withScrypt((_real, args) => {
      const cb = args[args.length - 1] as (err: Error | null) => void;
      setImmediate(() => cb(boom));
    }, async () => {
      for (const t of [sealDecrypt(PASS), sealEncrypt(PASS, FAST)]) {
        const { error } = await run(t, [sealedEmpty]);
        assert.ok(error instanceof EngineError, String(error));
        assert.equal(error.message, 'sealed stream: key derivation (scrypt) failed');
        assert.equal(error.cause, boom);
      }
    });
  });

  describe('tampering', () => {
    const plain = randomBytes(3 * CHUNK + 5);
    let sealed: Buffer = Buffer.alloc(0);
    const frameAt = (i: number) => HEADER + i * FRAME;
    before(async () => { sealed = await seal(plain); });

    it('a flipped header byte fails before any plaintext, as bad magic, bad params or authentication', async () => {
      for (let at = 0; at < HEADER; at += 1) {
        const expected = at < 8 ? /bad magic/ : at >= 12 && at < 35 ? AUTH : /failed authentication|outside|kdf|64 MiB/;
        await expectReject(flip(sealed, at), plain, 0, expected);
      }
    });

    it('a flipped ciphertext or tag byte in chunk i fails at chunk i, after exactly i verified chunks', async () => {
      for (let i = 0; i < 4; i += 1) {
        const last = i === 3 ? 5 : CHUNK;
        for (const at of [0, last >> 1, last - 1, last, last + 15]) {
          await expectReject(flip(sealed, frameAt(i) + at, 0x80), plain, i * CHUNK, AUTH);
        }
      }
    });

    it('truncation at a chunk boundary or inside a chunk or the header fails', async () => {
      for (let k = 1; k <= 3; k += 1) {
        await expectReject(sealed.subarray(0, frameAt(k)), plain, (k - 1) * CHUNK, AUTH);
      }
      await expectReject(sealed.subarray(0, HEADER), plain, 0, AUTH);
      await expectReject(sealed.subarray(0, 20), plain, 0, AUTH);
      await expectReject(sealed.subarray(0, frameAt(1) + 100), plain, CHUNK, AUTH);
      await expectReject(sealed.subarray(0, frameAt(1) + 5), plain, CHUNK, AUTH);
      await expectReject(sealed.subarray(0, sealed.length - 1), plain, 3 * CHUNK, AUTH);
    });

    it('extra trailing bytes fail, also after a full final chunk', async () => {
      await expectReject(Buffer.concat([sealed, Buffer.from([0])]), plain, 3 * CHUNK, AUTH);
      await expectReject(Buffer.concat([sealed, sealed.subarray(frameAt(3))]), plain, 3 * CHUNK, AUTH);
      const even = plain.subarray(0, 2 * CHUNK);
      const sealedEven = await seal(even);
      await expectReject(Buffer.concat([sealedEven, Buffer.from('x')]), even, CHUNK, AUTH);
    });

    it('reordered chunks, a foreign header and a wrong passphrase fail', async () => {
      const swapped = Buffer.concat([
        sealed.subarray(0, HEADER), sealed.subarray(frameAt(1), frameAt(2)), sealed.subarray(frameAt(0), frameAt(1)),
        sealed.subarray(frameAt(2)),
      ]);
      await expectReject(swapped, plain, 0, AUTH);
      const other = await seal(plain, 7);
      await expectReject(Buffer.concat([other.subarray(0, HEADER), sealed.subarray(HEADER)]), plain, 0, AUTH);
      await expectReject(sealed, plain, 0, AUTH, Buffer.from('sealed test passphrasE'));
    });

    it('an authentication failure carries the tag error as its cause; a cut-off header has none', async () => {
      const { error } = await run(sealDecrypt(PASS), [flip(sealed, frameAt(1), 0x80)]);
      assert.ok(error instanceof EngineError, String(error));
      assert.match(error.message, AUTH);
      assert.ok(error.cause instanceof Error, 'the GCM failure is kept for diagnosis');
      assert.match(error.cause.message, /authenticate/);
      const cut = await run(sealDecrypt(PASS), [sealed.subarray(0, 20)]);
      assert.ok(cut.error instanceof EngineError, String(cut.error));
      assert.match(cut.error.message, AUTH);
      assert.ok(!('cause' in cut.error), 'nothing failed below: no cause');
    });

    it('input that is not a sealed stream is called that', async () => {
      await expectReject(Buffer.from('Salted__0123456789abcdef'), plain, 0, /not a Permafrost sealed stream/);
    });
  });

  describe('hostile headers', () => {
    let header: Buffer = Buffer.alloc(0);
    before(async () => { header = (await seal(Buffer.alloc(0))).subarray(0, HEADER); });

    function withField(at: number, value: number, width = 1): Buffer {
      const h = Buffer.from(header);
      if (width === 4) h.writeUInt32BE(value, at);
      else h[at] = value;
      return h;
    }

    function withScryptParams(log2N: number, r: number, p: number): Buffer {
      const h = Buffer.from(header);
      h.set([log2N, r, p], 9);
      return h;
    }

    it('are rejected before scrypt runs', async () => {
      const hostile: [Buffer, RegExp][] = [
        [withField(8, 0), /kdf id 0/], [withField(8, 2), /kdf id 2/],
        [withField(9, 9), /log2N=9/], [withField(9, 21), /log2N=21/], [withField(9, 255), /log2N=255/],
        [withField(10, 0), /r=0/], [withField(10, 17), /r=17/], [withField(11, 0), /p=0/], [withField(11, 5), /p=5/],
        [withField(35, 16 * 1024 - 1, 4), /chunkSize=16383/], [withField(35, 16 * 1024 * 1024 + 1, 4), /chunkSize=16777217/],
        [withField(35, 0, 4), /chunkSize=0/], [withField(35, 0xffffffff, 4), /chunkSize=4294967295/],
        [withScryptParams(20, 16, 4), /64 MiB/], [withField(9, 16), /64 MiB/],
        // Just over the limit (by 4 KiB and 768 bytes): subtracting scrypt's 128*r*p bytes would let them in.
        [withScryptParams(16, 8, 2), /log2N=16 r=8 p=2 needs more than 64 MiB/],
        [withScryptParams(19, 1, 4), /log2N=19 r=1 p=4 needs more than 64 MiB/],
      ];
      for (const [h, message] of hostile) {
        const calls = await countingScrypt(() => expectReject(Buffer.concat([h, randomBytes(64)]), Buffer.alloc(0), 0, message));
        assert.equal(calls, 0, `scrypt ran for ${message}`);
      }
    });

    it('a hostile header with nothing after it is called hostile, not cut off', async () => {
      for (const [h, message] of [[withField(9, 21), /log2N=21 is outside 10..20/], [withField(8, 7), /unknown kdf id 7/]] as const) {
        const { error } = await run(sealDecrypt(PASS), [h]);
        assert.ok(error instanceof EngineError, String(error));
        assert.match(error.message, message);
      }
    });

    it('a sound header does reach scrypt (the spy works)', async () => {
      const sealedEmpty = await seal(Buffer.alloc(0));
      const calls = await countingScrypt(async () => {
        const { error } = await run(sealDecrypt(PASS), [sealedEmpty]);
        assert.equal(error, undefined);
      });
      assert.equal(calls, 1);
    });

    it('the writer refuses the same out-of-range parameters', () => {
      for (const opts of [{ chunkSize: 1000 }, { chunkSize: 32 * 1024 * 1024 }, { log2N: 9 }, { log2N: 16 }, { chunkSize: 16384.5 }]) {
        assert.throws(() => sealEncrypt(PASS, opts), EngineError, JSON.stringify(opts));
      }
      const empty = { name: 'EngineError', message: 'sealed stream: the passphrase is empty' };
      assert.throws(() => sealEncrypt(Buffer.alloc(0)), empty);
      assert.throws(() => sealDecrypt(Buffer.alloc(0)), empty);
    });
  });

  it('builds nonces as prefix || counter || last flag and refuses a counter that is not a u32', () => {
    const prefix = Buffer.from('abcdefg');
    assert.deepEqual(chunkNonce(prefix, 0x01020304, true), Buffer.concat([prefix, Buffer.from([1, 2, 3, 4, 1])]));
    assert.deepEqual(chunkNonce(prefix, 0xffffffff, false), Buffer.concat([prefix, Buffer.from([255, 255, 255, 255, 0])]));
    const overflow = { name: 'EngineError', message: 'sealed stream: too many chunks (32-bit chunk counter overflow)' };
    for (const counter of [0x100000000, -1, 1.5]) assert.throws(() => chunkNonce(prefix, counter, false), overflow, String(counter));
  });
});
