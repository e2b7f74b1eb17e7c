import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { closestName } from '../../../../src/closest-name';
import {
  ACTIONS, KNOWN_OPTIONS, flagStyle, unknownActionProblem, unknownOptionProblems, unsupportedOptionProblems,
} from '../../../../src/engine/options/option-names';

describe('trust 14: freezer_action option names (engine/options/option-names.ts)', () => {
  it('knows exactly the keys and actions of schemas/freezer_action_options.json', () => {
    const schema = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../../../schemas/freezer_action_options.json'), 'utf8'));
    assert.deepEqual([...KNOWN_OPTIONS].sort(), Object.keys(schema.properties).sort());
    assert.deepEqual(ACTIONS, ['backup', 'restore', 'admin', 'info', 'exec']);
  });

  it('names every option the engine and the agent read', () => {
    // Every r.text/flag/number/raw/required/oneOf('name') of the option readers, and the exec options.
    const sources = ['src/engine/options/fs-options.ts', 'src/agent/actions/exec-options.ts', 'src/agent/actions/info-action.ts']
      .map((f) => fs.readFileSync(path.resolve(__dirname, '../../../../../', f), 'utf8')).join('\n');
    const read = new Set([...sources.matchAll(/\br\.(?:text|flag|number|raw|required|oneOf)(?:<[^>]+>)?\('(\w+)'/g)].map((m) => m[1]));
    for (const m of sources.matchAll(/freezerAction\.(\w+)/g)) read.add(m[1]);
    assert.ok(read.size > 30, `found ${read.size} option reads`);
    assert.deepEqual([...read].filter((k) => !KNOWN_OPTIONS.has(k)), []);
  });

  it('suggests the option a typo meant, and nothing for a name far from every option', () => {
    assert.deepEqual(unknownOptionProblems(['encrypt_pass_fle', 'compresion', 'path_to_backup']), [
      'unknown option encrypt_pass_fle (did you mean encrypt_pass_file?)',
      'unknown option compresion (did you mean compression?)',
    ]);
    assert.deepEqual(unknownOptionProblems(['encrypt_pass_fle'], flagStyle), ['unknown option --encrypt-pass-fle (did you mean --encrypt-pass-file?)']);
    assert.deepEqual(unknownOptionProblems(['frobnicate', '__proto__', 'constructor']), [
      'unknown option frobnicate', 'unknown option __proto__', 'unknown option constructor',
    ]);
    assert.equal(closestName('compresison', KNOWN_OPTIONS), 'compression');
    assert.equal(closestName('Path-To-Backup', KNOWN_OPTIONS), 'path_to_backup');
    assert.equal(closestName('xy', KNOWN_OPTIONS), null);
  });

  it('refuses an unknown or missing action, with a suggestion', () => {
    assert.equal(unknownActionProblem('backup'), null);
    assert.equal(unknownActionProblem('bakup'), 'unknown action "bakup" (did you mean backup?); this agent runs backup, restore, admin, info, exec');
    assert.match(unknownActionProblem(undefined) ?? '', /^the action is missing/);
    assert.match(unknownActionProblem({}) ?? '', /^unknown action \{\}/);
  });

  it('refuses stock options this agent does not implement unless unset or at their stock default', () => {
    const accepted = {
      upload_limit: -1, download_limit: '-1', proxy: '', insecure: false, lvm_snapsize: '1G', lvm_snapperm: 'ro', mysql_conf: null,
      log_file: null, timeout: null, priority: null, rsync_block_size: 4096, fullbackup_rotation: '1', ftp_port: 21, metadata_out: '-',
      max_priority: 'False', secret_key: 'None',
    };
    assert.deepEqual(unsupportedOptionProblems(accepted), []);
    assert.deepEqual(unsupportedOptionProblems({ upload_limit: 100, proxy: 'http://p:3128', mysql_conf: '/etc/my.cnf', lvm_srcvol: '/dev/vg/lv', cinder_vol_id: 'v' }), [
      'upload_limit is not supported by this agent (bandwidth limits): remove it (or set it to -1)',
      'proxy is not supported by this agent (HTTP proxies (no storage of this agent uses HTTP)): remove it',
      'mysql_conf is not supported by this agent (mode mysql): remove it',
      'lvm_srcvol is not supported by this agent (LVM snapshots): remove it',
      'cinder_vol_id is not supported by this agent (the OpenStack modes): remove it',
    ]);
    assert.equal(unsupportedOptionProblems({ log_file: '/tmp/x.log' }).length, 1);
    assert.equal(unsupportedOptionProblems({ insecure: { a: 1 } }).length, 1);
  });

  it('accepts what the stock scheduler smoke test and the stock API send', () => {
    const smoke = { action: 'backup', mode: 'fs', path_to_backup: '/src', storage: 'local', container: '/store', backup_name: 'smokeA' };
    const stockNulls = { backup_name: null, action: 'exec', mode: null, container: null, timeout: null, priority: null, path_to_backup: null, log_file: null };
    for (const fa of [smoke, stockNulls]) {
      assert.deepEqual([...unknownOptionProblems(Object.keys(fa)), ...unsupportedOptionProblems(fa)], []);
    }
  });
});
