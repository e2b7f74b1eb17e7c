import assert from 'node:assert/strict';
import { freezerOptionsOf } from '../../../src/cli/action-command';

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
