import assert from 'node:assert/strict';
import { formatStoredMetadata, parseStoredMetadata } from '../../../src/engine/stored-metadata';

describe('stored backup metadata (engine/stored-metadata.ts)', () => {
  it('writes the stock one-line shape, with our keys after the stock ones', () => {
    assert.equal(formatStoredMetadata({ engine_name: 'tar', compression: 'gzip', encryption: false }), '{"engine_name": "tar", "compression": "gzip", "encryption": false}');
  });

  it("reads the stock agent's file: openssl when encrypted, no checksum", () => {
    const m = parseStoredMetadata('{"engine_name": "tar", "compression": "bzip2", "encryption": true}', 'x');
    assert.deepEqual(m, { engine_name: 'tar', compression: 'bzip2', encryption: true, encryption_format: 'openssl', data_size: undefined, data_sha256: undefined });
  });

  it('refuses what it cannot restore, naming why', () => {
    assert.throws(() => parseStoredMetadata('not json', '0_1'), /0_1 is not JSON/);
    assert.throws(() => parseStoredMetadata('{"engine_name": "rsync"}', '0_1'), /made by the rsync engine/);
    assert.throws(() => parseStoredMetadata('{"compression": "lz4"}', '0_1'), /compression "lz4"/);
    assert.throws(() => parseStoredMetadata('{"encryption": true, "encryption_format": "x"}', '0_1'), /unknown encryption format/);
    assert.throws(() => parseStoredMetadata('[1]', '0_1'), /0_1 is not a JSON object/);
  });
});
