import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { EngineError } from '../../../../src/engine/engine-error';
import { evpBytesToKey, opensslDecrypt, opensslEncrypt, readPassphrase } from '../../../../src/engine/crypto';
import { ensureEngineTools } from '../../../helpers/engine';

/** Run the real openssl binary, feeding `input` on stdin. */
function openssl(args: string[], input: Buffer = Buffer.alloc(0)): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('openssl', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    // `openssl enc -P` exits without reading its input: an EPIPE on stdin is then expected, and
    // the exit status still says whether openssl succeeded.
    child.stdin.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') reject(e);
    });
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new Error(`openssl ${args.join(' ')} exited ${code}: ${Buffer.concat(err).toString()}`));
    });
    child.stdin.end(input);
  });
}

/** Cut `buf` into pieces whose sizes cycle through `sizes`. */
function split(buf: Buffer, sizes: number[]): Buffer[] {
  const pieces: Buffer[] = [];
  for (let off = 0, i = 0; off < buf.length; i += 1) {
    const n = sizes[i % sizes.length];
    pieces.push(buf.subarray(off, off + n));
    off += n;
  }
  return pieces;
}

async function run(t: Transform, pieces: Buffer[]): Promise<Buffer> {
  const out: Buffer[] = [];
  await pipeline(Readable.from(pieces), t, async (src: AsyncIterable<Buffer>) => {
    for await (const c of src) out.push(c);
  });
  return Buffer.concat(out);
}

/** What `openssl enc -P` prints for a pass source and salt. */
async function opensslKeyIv(passArg: string, saltHex: string): Promise<{ key: string; iv: string }> {
  const text = (await openssl(['enc', '-P', '-aes-256-cfb', '-S', saltHex, '-pass', passArg])).toString();
  const key = /^key=([0-9A-F]+)$/m.exec(text)?.[1];
  const iv = /^iv\s*=([0-9A-F]+)$/m.exec(text)?.[1];
  assert.ok(key && iv, `unexpected openssl -P output: ${text}`);
  return { key: key.toLowerCase(), iv: iv.toLowerCase() };
}

describe('openssl aes-256-cfb interop (engine/crypto/openssl-cfb.ts)', function () {
  this.timeout(20000);
  const SIZES = [0, 1, 15, 16, 17, 100000];
  const ODD_SPLITS = [1, 3, 7, 2, 5, 4099];
  const pass = Buffer.from('correct horse battery staple');
  let dir = '';
  let keyFile = '';

  before(async () => {
    ensureEngineTools();
    dir = await mkdtemp(join(tmpdir(), 'pf-cfb-'));
    keyFile = join(dir, 'key');
    await writeFile(keyFile, Buffer.concat([pass, Buffer.from('\nsecond line is ignored\n')]));
  });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  it('derives the same key and iv as `openssl enc -P` (EVP_BytesToKey, SHA-256, 1 iteration)', async () => {
    for (const saltHex of ['0011223344556677', 'f0e1d2c3b4a59687']) {
      const want = await opensslKeyIv(`pass:${pass.toString()}`, saltHex);
      const got = evpBytesToKey(pass, Buffer.from(saltHex, 'hex'));
      assert.equal(got.key.toString('hex'), want.key);
      assert.equal(got.iv.toString('hex'), want.iv);
    }
  });

  it('reads a key file exactly as openssl -pass file: does (CRLF, over-long line)', async () => {
    const files = { crlf: 'dos key\r\nnext\r\n', long: `${'z'.repeat(1500)}\n` };
    for (const [name, content] of Object.entries(files)) {
      const file = join(dir, name);
      await writeFile(file, content);
      const want = await opensslKeyIv(`file:${file}`, '0102030405060708');
      const got = evpBytesToKey(await readPassphrase(file), Buffer.from('0102030405060708', 'hex'));
      assert.equal(got.key.toString('hex'), want.key, name);
    }
  });

  it('with a fixed salt writes byte-for-byte what openssl writes', async () => {
    const salt = Buffer.from('8899aabbccddeeff', 'hex');
    const plain = randomBytes(1000);
    // With an explicit -S, openssl 3 leaves the "Salted__" header out, so compare the body.
    const body = await openssl(['enc', '-aes-256-cfb', '-S', salt.toString('hex'), '-pass', `file:${keyFile}`], plain);
    const got = await run(opensslEncrypt(pass, salt), split(plain, ODD_SPLITS));
    assert.deepEqual(got.subarray(0, 16), Buffer.concat([Buffer.from('Salted__'), salt]));
    assert.deepEqual(got.subarray(16), body);
  });

  it('Node encrypts, `openssl enc -d` decrypts (odd input splits)', async () => {
    for (const size of SIZES) {
      const plain = randomBytes(size);
      const sealed = await run(opensslEncrypt(pass), split(plain, ODD_SPLITS));
      assert.equal(sealed.length, 16 + size, `size ${size}`);
      const back = await openssl(['enc', '-d', '-aes-256-cfb', '-pass', `file:${keyFile}`], sealed);
      assert.deepEqual(back, plain, `size ${size}`);
    }
  });

  it('openssl encrypts, Node decrypts (header split across chunks)', async () => {
    for (const size of SIZES) {
      const plain = randomBytes(size);
      const enc = await openssl(['enc', '-aes-256-cfb', '-pass', `file:${keyFile}`], plain);
      for (const sizes of [ODD_SPLITS, [1], [9, 8], [16], [100001]]) {
        const back = await run(opensslDecrypt(pass), split(enc, sizes));
        assert.deepEqual(back, plain, `size ${size}, splits ${sizes.join(',')}`);
      }
    }
  });

  it('refuses a fixed salt that is not 8 bytes', () => {
    for (const len of [0, 7, 9]) {
      assert.throws(() => opensslEncrypt(pass, Buffer.alloc(len)), { name: 'RangeError', message: 'openssl salt must be 8 bytes' });
    }
  });

  it('rejects input without the "Salted__" header', async () => {
    const cases = [Buffer.alloc(0), Buffer.from('plain tar data, not encrypted at all'), Buffer.from('Salted__1234567')];
    for (const input of cases) {
      await assert.rejects(run(opensslDecrypt(pass), split(input, [3])), (err: unknown) => {
        assert.ok(err instanceof EngineError, String(err));
        assert.match(err.message, /not an openssl-encrypted stream/);
        return true;
      });
    }
  });

  it('is unauthenticated: a wrong passphrase yields garbage, not an error', async () => {
    const plain = Buffer.from('x'.repeat(64));
    const enc = await openssl(['enc', '-aes-256-cfb', '-pass', `file:${keyFile}`], plain);
    const back = await run(opensslDecrypt(Buffer.from('wrong')), [enc]);
    assert.equal(back.length, plain.length);
    assert.notDeepEqual(back, plain);
  });
});
