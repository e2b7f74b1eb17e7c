import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineError } from '../../../../src/engine/engine-error';
import { readPassphrase } from '../../../../src/engine/crypto';

describe('passphrase file (engine/crypto/passphrase.ts)', () => {
  let dir = '';
  before(async () => { dir = await mkdtemp(join(tmpdir(), 'pf-pass-')); });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  async function keyFile(name: string, content: string | Buffer): Promise<string> {
    const file = join(dir, name);
    await writeFile(file, content);
    return file;
  }

  it('takes the first line without its newline', async () => {
    assert.deepEqual(await readPassphrase(await keyFile('a', 'correct horse\nsecond line\n')), Buffer.from('correct horse'));
    assert.deepEqual(await readPassphrase(await keyFile('b', 'no newline at all')), Buffer.from('no newline at all'));
    assert.deepEqual(await readPassphrase(await keyFile('c', ' spaced \n')), Buffer.from(' spaced '));
  });

  it('keeps a carriage return and arbitrary bytes, as openssl does', async () => {
    assert.deepEqual(await readPassphrase(await keyFile('crlf', 'dos key\r\nnext\r\n')), Buffer.from('dos key\r'));
    const binary = Buffer.from([0xff, 0x80, 0x20, 0x7f, 0x0d]);
    assert.deepEqual(await readPassphrase(await keyFile('bin', Buffer.concat([binary, Buffer.from('\nx')]))), binary);
  });

  it('stops where openssl stops: 1023 bytes and the first NUL', async () => {
    const long = await readPassphrase(await keyFile('long', `${'k'.repeat(1500)}\n`));
    assert.deepEqual(long, Buffer.from('k'.repeat(1023)));
    assert.deepEqual(await readPassphrase(await keyFile('nul', Buffer.from('ab\0cd\n'))), Buffer.from('ab'));
  });

  it('fails clearly, naming the file, when it is missing or unreadable', async () => {
    const missing = join(dir, 'does-not-exist');
    await assert.rejects(readPassphrase(missing), (err: unknown) => {
      assert.ok(err instanceof EngineError);
      assert.match(err.message, /does-not-exist/);
      assert.match(err.message, /ENOENT/);
      return true;
    });
    await assert.rejects(readPassphrase(dir), (err: unknown) => err instanceof EngineError && err.message.includes(dir));
  });

  it('rejects an empty file or an empty first line without echoing the content', async () => {
    const empty = await keyFile('empty', '');
    await assert.rejects(readPassphrase(empty), (err: unknown) => {
      assert.ok(err instanceof EngineError);
      assert.ok(err.message.includes(empty));
      assert.match(err.message, /empty/);
      return true;
    });
    const blankFirst = await keyFile('blank-first', '\nhunter2-secret\n');
    await assert.rejects(readPassphrase(blankFirst), (err: unknown) => {
      assert.ok(err instanceof EngineError);
      assert.ok(err.message.includes(blankFirst));
      assert.ok(!err.message.includes('hunter2'), 'the message must not leak the file content');
      return true;
    });
  });
});
