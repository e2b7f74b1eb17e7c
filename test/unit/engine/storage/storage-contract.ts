import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { EngineError } from '../../../../src/engine/engine-error';
import type { BackupStorage } from '../../../../src/engine/storage';

/** Rejects with an EngineError whose message matches. */
export async function rejectsEngineError(work: Promise<unknown>, message: RegExp): Promise<void> {
  await assert.rejects(work, (err: unknown) => {
    assert.ok(err instanceof EngineError, `expected an EngineError, got ${String(err)}`);
    assert.match(err.message, message);
    return true;
  });
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Uneven chunk sizes, so request coalescing and splitting are both exercised. */
function* unevenChunks(data: Buffer): Generator<Buffer> {
  const sizes = [1, 1000, 65536, 300 * 1024, 7, 2 * 1024 * 1024];
  for (let off = 0, i = 0; off < data.length; i++) {
    const n = sizes[i % sizes.length];
    yield data.subarray(off, off + n);
    off += n;
  }
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * The behaviour every BackupStorage must show. `rootOf` is asked at test time (a suite may set
 * it up in a before hook); each test works in its own fresh directory under it.
 */
export function describeStorageContract(name: string, open: () => Promise<BackupStorage>, rootOf: () => string): void {
  describe(`${name}: the BackupStorage contract`, () => {
    let storage: BackupStorage;
    let root: string;
    let n = 0;

    beforeEach(async () => {
      storage = await open();
      root = `${rootOf()}/case-${++n}`;
      await storage.mkdirp(root);
    });
    afterEach(async () => storage?.close());

    it('lists entry names sorted, and a missing directory as []', async () => {
      for (const f of ['b', 'c10', 'a', 'c9']) await storage.writeFile(`${root}/${f}`, f);
      await storage.mkdirp(`${root}/d`);
      assert.deepEqual(await storage.list(root), ['a', 'b', 'c10', 'c9', 'd']);
      assert.deepEqual(await storage.list(`${root}/missing`), []);
      assert.deepEqual(await storage.list(`${root}/missing/deeper`), []);
      assert.deepEqual(await storage.list(`${root}/d`), []);
      await assert.rejects(storage.list(`${root}/a`), EngineError, 'a file is not a directory');
    });

    it('mkdirp creates nested directories, is idempotent, and refuses a file in the way', async () => {
      await storage.mkdirp(`${root}/x/y/z`);
      await storage.mkdirp(`${root}/x/y/z`);
      await storage.mkdirp(`${root}/x/y`);
      assert.equal((await storage.stat(`${root}/x/y/z`))?.isDirectory, true);
      assert.deepEqual(await storage.list(`${root}/x`), ['y']);
      await storage.writeFile(`${root}/file`, 'x');
      await assert.rejects(storage.mkdirp(`${root}/file/sub`), EngineError);
    });

    it('writes 5 MiB through a stream and reads it back byte-identical', async () => {
      const data = randomBytes(5 * 1024 * 1024);
      const file = `${root}/data`;
      await pipeline(Readable.from(unevenChunks(data)), await storage.createWriteStream(file));
      assert.equal((await storage.stat(file))?.size, data.length);
      const back = await readAll(await storage.createReadStream(file));
      assert.equal(back.length, data.length);
      assert.equal(sha(back), sha(data));
      assert.equal(sha(await storage.readFile(file)), sha(data));
    });

    it('writeFile/readFile round-trip strings, buffers and empty files; a rewrite truncates', async () => {
      await storage.writeFile(`${root}/meta`, '{"level": 0, "ünï": "cödé"}');
      assert.equal((await storage.readFile(`${root}/meta`)).toString(), '{"level": 0, "ünï": "cödé"}');
      await storage.writeFile(`${root}/meta`, Buffer.from('short'));
      assert.equal((await storage.readFile(`${root}/meta`)).toString(), 'short');
      await storage.writeFile(`${root}/empty`, '');
      assert.equal((await storage.readFile(`${root}/empty`)).length, 0);
      assert.equal((await readAll(await storage.createReadStream(`${root}/empty`))).length, 0);
    });

    it('renames files and whole directories', async () => {
      await storage.writeFile(`${root}/a.part`, 'payload');
      await storage.rename(`${root}/a.part`, `${root}/a`);
      assert.equal(await storage.stat(`${root}/a.part`), null);
      assert.equal((await storage.readFile(`${root}/a`)).toString(), 'payload');
      await storage.mkdirp(`${root}/tmp/inner`);
      await storage.writeFile(`${root}/tmp/inner/f`, 'deep');
      await storage.mkdirp(`${root}/final`);
      await storage.rename(`${root}/tmp`, `${root}/final/0_100`);
      assert.deepEqual(await storage.list(root), ['a', 'final']);
      assert.equal((await storage.readFile(`${root}/final/0_100/inner/f`)).toString(), 'deep');
    });

    it('refuses to rename onto an existing file or directory, leaving both alone', async () => {
      await storage.writeFile(`${root}/from`, 'new');
      await storage.writeFile(`${root}/to`, 'old');
      await rejectsEngineError(storage.rename(`${root}/from`, `${root}/to`), /exists/);
      assert.equal((await storage.readFile(`${root}/to`)).toString(), 'old');
      assert.equal((await storage.readFile(`${root}/from`)).toString(), 'new');
      await storage.mkdirp(`${root}/dir-from/x`);
      await storage.mkdirp(`${root}/dir-to`);
      await rejectsEngineError(storage.rename(`${root}/dir-from`, `${root}/dir-to`), /exists/);
      assert.deepEqual(await storage.list(`${root}/dir-from`), ['x']);
      await rejectsEngineError(storage.rename(`${root}/missing`, `${root}/elsewhere`), /missing/);
    });

    it('removeTree removes nested trees and single files, and accepts a missing path', async () => {
      await storage.mkdirp(`${root}/t/a/b/c`);
      for (let i = 0; i < 40; i++) await storage.writeFile(`${root}/t/a/f${i}`, `${i}`);
      await storage.writeFile(`${root}/t/a/b/c/deep`, 'x');
      await storage.writeFile(`${root}/lone`, 'x');
      await storage.removeTree(`${root}/t`);
      await storage.removeTree(`${root}/lone`);
      await storage.removeTree(`${root}/missing`);
      await storage.removeTree(`${root}/missing/deeper`);
      assert.deepEqual(await storage.list(root), []);
    });

    it('stat gives size, mtime and kind, or null when missing', async () => {
      const before = Date.now();
      await storage.writeFile(`${root}/f`, Buffer.alloc(1234, 1));
      const st = await storage.stat(`${root}/f`);
      assert.equal(st?.size, 1234);
      assert.equal(st?.isDirectory, false);
      // SFTP v3 times are whole seconds.
      assert.ok(st!.mtimeMs >= Math.floor(before / 1000) * 1000 - 2000 && st!.mtimeMs <= Date.now() + 2000, `mtime ${st?.mtimeMs}`);
      assert.equal((await storage.stat(root))?.isDirectory, true);
      assert.equal(await storage.stat(`${root}/missing`), null);
      assert.equal(await storage.stat(`${root}/missing/deeper`), null);
    });

    it('reading a missing file is an EngineError naming the path; so is writing into a missing directory', async () => {
      await rejectsEngineError(storage.readFile(`${root}/nope/metadata`), /nope\/metadata/);
      await rejectsEngineError(storage.createReadStream(`${root}/nope2`), /nope2/);
      await rejectsEngineError(storage.createWriteStream(`${root}/no-dir/data`), /no-dir\/data/);
      await rejectsEngineError(storage.writeFile(`${root}/no-dir/meta`, 'x'), /no-dir\/meta/);
    });
  });
}
