import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ActionPolicy } from '../../../src/agent/action-policy';
import { realPathOf } from '../../../src/agent/allowed-paths';
import { REDACTED } from '../../../src/agent/job-cache';

/**
 * What a job may make the agent read and write, checked on real files and symlinks: the allowed
 * tree `allowed/` holds a link to the forbidden tree `secret/`.
 */
describe('trust 12: allowed_paths (agent/action-policy.ts, agent/allowed-paths.ts)', () => {
  let root = '';
  let allowed = '';
  let secret = '';
  let policy: ActionPolicy;
  const store = () => ({ storage: 'local', container: path.join(allowed, 'store'), backup_name: 'b', hostname: 'h' });

  before(() => {
    root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-policy-')));
    allowed = path.join(root, 'allowed');
    secret = path.join(root, 'secret');
    fs.mkdirSync(path.join(allowed, 'data'), { recursive: true });
    fs.mkdirSync(secret);
    fs.writeFileSync(path.join(secret, 'shadow'), 'root-only\n', { mode: 0o600 });
    fs.writeFileSync(path.join(allowed, 'key'), 'passphrase\n', { mode: 0o600 });
    fs.symlinkSync(secret, path.join(allowed, 'out'));
    fs.symlinkSync(path.join(secret, 'shadow'), path.join(allowed, 'shadow-link'));
    // The allowed root itself may be reached through a link.
    fs.symlinkSync(allowed, path.join(root, 'allowed-link'));
    policy = new ActionPolicy({ allowedPaths: [path.join(root, 'allowed-link')] });
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  const refusal = (fa: Record<string, unknown>) => policy.refusal(fa);

  it('lets a backup of an allowed tree into an allowed container run', async () => {
    assert.equal(await refusal({ action: 'backup', ...store(), path_to_backup: path.join(allowed, 'data') }), null);
    assert.equal(await refusal({ action: 'backup', ...store(), path_to_backup: path.join(allowed, 'data'), encrypt_pass_file: path.join(allowed, 'key') }), null);
    assert.equal(await refusal({ action: 'restore', ...store(), restore_abs_path: path.join(allowed, 'new', 'deeper') }), null);
    assert.equal(await refusal({ action: 'admin', ...store(), remove_older_than: 3 }), null);
  });

  it('refuses a source, target, container or key outside, also through a symlink or `..`', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ action: 'backup', ...store(), path_to_backup: secret }, /^path_to_backup .*secret is outside the agent's allowed_paths/],
      [{ action: 'backup', ...store(), path_to_backup: path.join(allowed, 'out') }, /^path_to_backup .*allowed\/out is outside/],
      [{ action: 'backup', ...store(), path_to_backup: path.join(allowed, 'shadow-link') }, /^path_to_backup .*shadow-link is outside/],
      [{ action: 'backup', ...store(), path_to_backup: `${allowed}/../secret` }, /^path_to_backup .*secret is outside/],
      [{ action: 'backup', ...store(), path_to_backup: path.join(allowed, 'data'), container: path.join(allowed, 'out', 'store') }, /^container .* is outside/],
      [{ action: 'backup', ...store(), path_to_backup: path.join(allowed, 'data'), encrypt_pass_file: path.join(secret, 'shadow') }, /^encrypt_pass_file .* is outside/],
      [{ action: 'restore', ...store(), restore_abs_path: path.join(allowed, 'out', 'not-yet', 'made') }, /^restore_abs_path .* is outside/],
      [{ action: 'restore', ...store(), restore_abs_path: path.join(root, 'elsewhere') }, /^restore_abs_path .* is outside/],
      [{ action: 'admin', ...store(), container: secret, remove_older_than: 3 }, /^container .* is outside/],
      [{ action: 'info', container: secret }, /^container .* is outside/],
      [{ action: 'backup', ...store(), storage: 'ssh', container: 'remote', ssh_host: 'h', ssh_username: 'u', ssh_key: path.join(secret, 'shadow'), path_to_backup: path.join(allowed, 'data') }, /^ssh_key .* is outside/],
    ];
    for (const [fa, message] of cases) assert.match((await refusal(fa)) ?? 'accepted', message, JSON.stringify(fa));
  });

  it('refuses dereference_symlink soft and all (tar would follow links out), not hard', async () => {
    const fa = { action: 'backup', ...store(), path_to_backup: path.join(allowed, 'data') };
    assert.match((await refusal({ ...fa, dereference_symlink: 'soft' })) ?? '', /dereference_symlink soft makes tar follow symlinks/);
    assert.match((await refusal({ ...fa, dereference_symlink: 'all' })) ?? '', /dereference_symlink all/);
    assert.equal(await refusal({ ...fa, dereference_symlink: 'hard' }), null);
  });

  it('does not limit exec (that is --disable-exec), and has no limit without allowed_paths', async () => {
    assert.equal(await refusal({ action: 'exec', command: `cat ${path.join(secret, 'shadow')}` }), null);
    const open = new ActionPolicy({ allowedPaths: null });
    assert.equal(await open.refusal({ action: 'backup', ...store(), path_to_backup: secret }), null);
    const none = new ActionPolicy({ allowedPaths: [] });
    assert.match((await none.refusal({ action: 'backup', ...store(), path_to_backup: path.join(allowed, 'data') })) ?? '', /outside the agent's allowed_paths \(none\)/);
  });

  it('resolves a path that does not exist yet through its existing part', async () => {
    assert.equal(await realPathOf(path.join(allowed, 'out', 'x', 'y')), path.join(secret, 'x', 'y'));
    assert.equal(await realPathOf(`${path.join(allowed, 'out')}/../z`), path.join(root, 'z'));
  });
});

describe('trust 14: the agent refuses unknown, unsupported and redacted options (agent/action-policy.ts)', () => {
  const policy = new ActionPolicy({ allowedPaths: null });

  it('names each unknown key and an unknown action, with suggestions', async () => {
    const fa = { action: 'backup', backup_name: 'b', container: '/c', storage: 'local', path_to_backup: '/p', encrypt_pass_fle: '/k', compresion: 'zstd' };
    assert.equal(await policy.refusal(fa), 'unknown option encrypt_pass_fle (did you mean encrypt_pass_file?); unknown option compresion (did you mean compression?)');
    assert.match((await policy.refusal({ action: 'bakup' })) ?? '', /unknown action "bakup" \(did you mean backup\?\)/);
    assert.match((await policy.refusal({ action: 'exec', comand: 'true' })) ?? '', /unknown option comand \(did you mean command\?\)/);
  });

  it('accepts null values and the keys the stock API adds', async () => {
    assert.equal(await policy.refusal({ action: 'exec', command: 'true', backup_name: null, mode: null, container: null, timeout: null, priority: null, path_to_backup: null, log_file: null }), null);
  });

  it('refuses stock options it does not implement, and the job cache placeholder', async () => {
    assert.match((await policy.refusal({ action: 'exec', command: 'true', upload_limit: 1024 })) ?? '', /upload_limit is not supported by this agent/);
    assert.match((await policy.refusal({ action: 'backup', ssh_password: REDACTED })) ?? '', /ssh_password holds the placeholder the agent writes into its job cache/);
  });
});
