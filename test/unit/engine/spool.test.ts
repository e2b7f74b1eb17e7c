import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { spoolVerified } from '../../../src/engine/pipeline/spool';

describe('spoolVerified (engine/pipeline/spool.ts)', () => {
  let base = '';
  beforeEach(() => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-spooltest-'));
  });
  afterEach(() => fs.rmSync(base, { recursive: true, force: true }));
  const data = crypto.randomBytes(200_000);
  const sha = crypto.createHash('sha256').update(data).digest('hex');
  const input = (over: Partial<Parameters<typeof spoolVerified>[0]> = {}) => ({
    source: Readable.from([data.subarray(0, 70_000), data.subarray(70_000)]), size: data.length, sha256: sha, what: 'backup 1_2',
    signal: new AbortController().signal, onStored: () => undefined, tmpdir: base, ...over,
  });

  it('trust 2: keeps a private verified copy (0600 in a 0700 directory) and removes it', async () => {
    const spooled = await spoolVerified(input());
    assert.deepEqual(fs.readFileSync(spooled.file), data);
    assert.equal(fs.statSync(spooled.file).mode & 0o777, 0o600);
    assert.equal(fs.statSync(path.dirname(spooled.file)).mode & 0o777, 0o700);
    await spooled.remove();
    assert.deepEqual(fs.readdirSync(base), []);
  });

  it('trust 2: refuses a wrong size or checksum, leaving nothing behind', async () => {
    await assert.rejects(spoolVerified(input({ size: data.length + 1 })), /backup 1_2 is 200000 bytes on the storage, 200001 were written/);
    await assert.rejects(spoolVerified(input({ sha256: '0'.repeat(64) })), /backup 1_2 does not match the checksum/);
    await assert.rejects(spoolVerified(input({ size: Number.MAX_SAFE_INTEGER })), /no room to spool backup 1_2 .* TMPDIR/);
    assert.deepEqual(fs.readdirSync(base), []);
  });
});
