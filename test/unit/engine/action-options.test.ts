import assert from 'node:assert/strict';
import { freezerOptionsOf } from '../../../src/cli/action-command';
import { UsageError, checkActionOptions } from '../../../src/cli/action-options';

describe('permafrost action option parsing (cli/action-command.ts)', () => {
  it('maps --dashed-names to freezer option names, with values as strings', () => {
    assert.deepEqual(freezerOptionsOf(['--path-to-backup', '/srv', '--max-level=3', '--overwrite', '--container', '/b']), {
      path_to_backup: '/srv', max_level: '3', overwrite: 'true', container: '/b',
    });
  });

  it('refuses a bare word', () => {
    assert.throws(() => freezerOptionsOf(['backup-name']), /unexpected argument "backup-name"/);
  });
});

describe('trust 14: permafrost action refuses what it would otherwise ignore (cli/action-options.ts)', () => {
  const usage = (run: () => unknown, message: RegExp) => assert.throws(run, (err: unknown) => err instanceof UsageError && message.test(err.message));
  const local = { storage: 'local', container: '/b', backup_name: 'n' };

  it('never takes a stray word, also after a flag, and wants a value for a valued option', () => {
    assert.deepEqual(freezerOptionsOf(['--dry-run', 'True', '--overwrite']), { dry_run: 'True', overwrite: 'true' });
    usage(() => freezerOptionsOf(['--overwrite', 'stray']), /unexpected argument "stray"/);
    usage(() => freezerOptionsOf(['--container']), /option --container needs a value/);
    usage(() => freezerOptionsOf(['--container', '--backup-name', 'x']), /option --container needs a value/);
    usage(() => freezerOptionsOf(['--container', 'a', '--container=b']), /option --container is given twice/);
    usage(() => freezerOptionsOf(['-v']), /unexpected argument "-v"/);
  });

  it('names unknown options with a suggestion, options of another action, and unsupported ones', () => {
    usage(() => checkActionOptions('backup', { ...local, path_to_backup: '/s', encrypt_pass_fle: 'k', compresion: 'zstd' }),
      /^unknown option --encrypt-pass-fle \(did you mean --encrypt-pass-file\?\); unknown option --compresion \(did you mean --compression\?\)$/);
    usage(() => checkActionOptions('restore', { ...local, restore_abs_path: '/t', compression: 'zstd' }), /--compression makes no sense for restore \(only for backup\)/);
    usage(() => checkActionOptions('admin', { ...local, remove_older_than: '3', encrypt_pass_file: '/k' }), /--encrypt-pass-file makes no sense for admin/);
    usage(() => checkActionOptions('backup', { ...local, path_to_backup: '/s', command: 'rm -rf /' }), /--command does not belong here: exec actions run only in the agent/);
    usage(() => checkActionOptions('backup', { ...local, path_to_backup: '/s', proxy: 'http://p' }), /--proxy is not supported by this agent/);
    usage(() => checkActionOptions('backup', { ...local, path_to_backup: '/s', compression: 'zsdt' }), /Invalid value for compression: "zsdt" \(did you mean zstd\?/);
    usage(() => checkActionOptions('restore', local), /restore_abs_path is required for a restore/);
    assert.doesNotThrow(() => checkActionOptions('backup', { ...local, path_to_backup: '/s', compression: 'zstd', upload_limit: '-1' }));
  });
});
