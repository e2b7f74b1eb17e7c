import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EngineError } from '../../../../src/engine/engine-error';
import { compressCommand, compressionLevel, decompressCommand } from '../../../../src/engine/pipeline/compressors';

/** A PATH made of one temp dir holding executables with the given names. */
function fakePath(names: string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pf-bin-'));
  for (const name of names) fs.writeFileSync(path.join(dir, name), '#!/bin/sh\n', { mode: 0o755 });
  return dir;
}

describe('compressors (engine/pipeline/compressors.ts)', () => {
  const saved = process.env.PATH;
  afterEach(() => {
    process.env.PATH = saved;
  });

  it('prefers the parallel implementation of a format when installed', () => {
    const dir = fakePath(['pigz', 'gzip', 'bzip2', 'lbzip2']);
    process.env.PATH = dir;
    assert.deepEqual(compressCommand('gzip', null), { program: path.join(dir, 'pigz'), args: ['-c', '-6'] });
    assert.equal(decompressCommand('bzip2').program, path.join(dir, 'lbzip2'));
    process.env.PATH = fakePath(['gzip']);
    assert.equal(path.basename(compressCommand('gzip', 9).program), 'gzip');
  });

  it('fails with the Debian package to install when no program writes the format', () => {
    process.env.PATH = fakePath(['gzip']);
    assert.throws(() => compressCommand('zstd', null), (err: Error) => err instanceof EngineError && /compression 'zstd' needs the zstd program.*Debian package: zstd/.test(err.message));
    assert.throws(() => decompressCommand('xz'), /Debian package: xz-utils/);
  });

  it('checks compression_level against the format, with defaults per format', () => {
    assert.equal(compressionLevel('zstd', null), 1);
    assert.equal(compressionLevel('xz', 9), 9);
    assert.throws(() => compressionLevel('gzip', 10), /compression_level for gzip must be an integer from 1 to 9, not 10/);
    assert.throws(() => compressionLevel('zstd', 0), /from 1 to 19/);
  });
});
