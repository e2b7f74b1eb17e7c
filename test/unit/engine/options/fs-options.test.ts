import assert from 'node:assert/strict';
import os from 'node:os';
import { EngineError } from '../../../../src/engine/engine-error';
import { adminOptions, backupOptions, restoreOptions } from '../../../../src/engine/options/fs-options';

const local = { storage: 'local', container: '/backups', backup_name: 'web' };

describe('fs action options (engine/options/fs-options.ts)', () => {
  it('applies the stock defaults: gzip, tar, fs, the OS hostname; sealed encryption for new backups', () => {
    const o = backupOptions({ ...local, path_to_backup: '/srv' });
    assert.equal(o.compression, 'gzip');
    assert.equal(o.compressionLevel, 6);
    assert.equal(o.hostname, os.hostname());
    assert.equal(o.encryptionFormat, 'sealed');
    assert.equal(o.passFile, null);
    assert.equal(o.dryRun, false);
  });

  it('reads INI-style strings and JSON types alike', () => {
    const o = backupOptions({ ...local, path_to_backup: '/srv/', compression: 'zstd', compression_level: '3', dry_run: 'True', max_level: '3', dereference_symlink: 'all' });
    assert.deepEqual([o.compression, o.compressionLevel, o.dryRun, o.levels.maxLevel, o.dereference, o.pathToBackup], ['zstd', 3, true, '3', 'all', '/srv/']);
  });

  const bad: Array<[string, Record<string, unknown>, RegExp]> = [
    ['a mode other than fs', { mode: 'mysql' }, /mode 'mysql' is not supported/],
    ['an unknown storage', { storage: 'swift' }, /storage 'swift' is not supported by this agent/],
    ['no container', { container: '' }, /container is required/],
    ['no backup_name', { backup_name: undefined }, /backup_name is required for backup/],
    ['a backup_name with a slash', { backup_name: 'a/b' }, /backup_name must not contain/],
    ['a relative path_to_backup', { path_to_backup: 'srv' }, /path_to_backup must be an absolute path/],
    ['an unknown compression', { compression: 'lz4' }, /Invalid value for compression: "lz4" \(expected one of gzip, bzip2, xz, zstd\)/],
    ['a compression level out of range', { compression: 'gzip', compression_level: 12 }, /compression_level for gzip must be an integer from 1 to 9/],
    ['no_incremental with max_level', { no_incremental: true, max_level: 2 }, /no_incremental cannot be used together with max_level/],
    ['a non-numeric max_level', { max_level: 'three' }, /Invalid value for max_level: "three"/],
    ['an object as a value', { exclude: { a: 1 } }, /Invalid value for exclude/],
    ['an LVM snapshot', { snapshot: 'True' }, /snapshot \(LVM\/VSS\) is not supported by this agent/],
    ['a consistency check', { consistency_check: true }, /consistency_check is not supported/],
    ['a non-integer max_segment_size', { max_segment_size: '32M' }, /Invalid value for max_segment_size/],
    ['an unknown encryption_format', { encryption_format: 'rot13' }, /Invalid value for encryption_format/],
    ['ssh without a host', { storage: 'ssh', container: 'backups', ssh_username: 'u' }, /ssh_host is required for ssh storage/],
    ['an ssh_port out of range', { storage: 'ssh', container: 'b', ssh_host: 'h', ssh_username: 'u', ssh_port: 70000 }, /ssh_port/],
  ];
  for (const [what, change, message] of bad) {
    it(`refuses ${what} with a clear EngineError`, () => {
      assert.throws(() => backupOptions({ ...local, path_to_backup: '/srv', ...change }), (err: Error) => err instanceof EngineError && message.test(err.message));
    });
  }

  it('restore needs an absolute restore_abs_path and a valid restore_from_date', () => {
    assert.throws(() => restoreOptions(local), /restore_abs_path is required/);
    assert.throws(() => restoreOptions({ ...local, restore_abs_path: '/r', restore_from_date: 'yesterday' }), /Invalid value for restore_from_date/);
    const o = restoreOptions({ ...local, restore_abs_path: '/r', restore_from_date: '1700000000', overwrite: 'true' });
    assert.deepEqual([o.restoreFromDate, o.overwrite], [1700000000, true]);
    assert.throws(() => restoreOptions({ ...local, restore_abs_path: '/r', consistency_checksum: 'abc' }), /consistency_checksum is not supported/);
    assert.equal(restoreOptions({ ...local, restore_abs_path: '/r', consistency_checksum: '' }).overwrite, false);
  });

  it('admin keeps the retention options for the cutoff; ssh defaults refuse unknown hosts', () => {
    assert.equal(adminOptions({ ...local, remove_older_than: '7' }).removeOlderThan, '7');
    const ssh = backupOptions({ ...local, storage: 'ssh', container: 'b', ssh_host: 'h', ssh_username: 'u', path_to_backup: '/srv' }).storage.ssh!;
    assert.equal(ssh.acceptUnknownHost, false);
    assert.equal(ssh.port, 22);
    assert.ok(ssh.knownHostsFile?.endsWith('.ssh/known_hosts'));
  });
});
