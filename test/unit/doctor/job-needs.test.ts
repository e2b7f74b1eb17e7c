import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import type { JobDoc } from '../../../src/agent/freezer-api';
import { exitCodeOf, fail, ok, skip, summaryLine } from '../../../src/doctor/check';
import { jobNeeds } from '../../../src/doctor/job-needs';

const local = { storage: 'local', container: '/srv/store', backup_name: 'b' };
const job = (id: string, ...actions: Array<Record<string, unknown>>): JobDoc => ({ job_id: id, job_actions: actions.map((fa) => ({ freezer_action: fa })) });

describe('doctor: what the jobs need from the host (doctor/job-needs.ts)', () => {
  it('a backup needs tar and its compression, the default one when it names none', () => {
    const needs = jobNeeds([job('a', { action: 'backup', ...local, path_to_backup: '/data' }), job('b', { action: 'backup', ...local, path_to_backup: '/data', compression: 'zstd' })], { disableExec: false });
    assert.deepEqual([...needs.tar].sort(), ['job a', 'job b']);
    assert.deepEqual([...needs.compressions].map(([c, jobs]) => [c, [...jobs]]), [['gzip', ['job a']], ['zstd', ['job b']]]);
    assert.deepEqual(needs.problems, []);
  });

  it('a restore needs tar and the compression it names (else the default); admin and info need neither', () => {
    const needs = jobNeeds(
      [
        job('r1', { action: 'restore', ...local, restore_abs_path: '/restore', compression: 'xz' }),
        job('r2', { action: 'restore', ...local, restore_abs_path: '/restore' }),
        job('adm', { action: 'admin', ...local, remove_older_than: 30 }),
        job('i', { action: 'info', ...local }),
      ],
      { disableExec: false },
    );
    assert.deepEqual([...needs.tar].sort(), ['job r1', 'job r2']);
    assert.deepEqual([...(needs.compressions.get('xz') ?? [])], ['job r1']);
    assert.deepEqual([...(needs.compressions.get('gzip') ?? [])], ['job r2']);
    assert.equal(needs.compressions.size, 2);
  });

  it('exec needs the program of each pipeline stage, or /bin/sh with shell: true; none with --disable-exec', () => {
    const jobs = [job('e1', { action: 'exec', command: 'pg_dump app | gzip -c' }), job('e2', { action: 'exec', command: 'echo $HOME > /tmp/x', shell: true })];
    const needs = jobNeeds(jobs, { disableExec: false });
    assert.deepEqual([...needs.programs.keys()].sort(), ['/bin/sh', 'gzip', 'pg_dump']);
    assert.deepEqual([...(needs.programs.get('/bin/sh') ?? [])], ['job e2']);
    const disabled = jobNeeds(jobs, { disableExec: true });
    assert.equal(disabled.programs.size, 0);
    assert.deepEqual([...disabled.execDisabled].sort(), ['job e1', 'job e2']);
  });

  it('ssh storage needs its host and the key file (not with a password); encryption only its key file', () => {
    const ssh = { storage: 'ssh', container: '/backups', backup_name: 'b', ssh_host: 'store.example', ssh_username: 'bk' };
    const needs = jobNeeds(
      [
        job('s1', { action: 'backup', ...ssh, path_to_backup: '/data', ssh_key: '/keys/id', ssh_port: 2222, encrypt_pass_file: '/keys/pass' }),
        job('s2', { action: 'admin', ...ssh, remove_older_than: 3 }),
        job('s3', { action: 'restore', ...ssh, restore_abs_path: '/r', ssh_password: 'pw' }),
      ],
      { disableExec: false },
    );
    assert.deepEqual([...needs.hosts.keys()].sort(), ['bk@store.example:22', 'bk@store.example:2222']);
    assert.deepEqual([...(needs.hosts.get('bk@store.example:22')?.jobs ?? [])].sort(), ['job s2', 'job s3']);
    assert.equal(needs.hosts.get('bk@store.example:2222')?.timeoutMs, 30_000);
    const files = Object.fromEntries([...needs.files].map(([f, n]) => [f, [n.option, [...n.jobs].sort()]]));
    assert.deepEqual(files, {
      '/keys/id': ['ssh_key', ['job s1']],
      '/keys/pass': ['encrypt_pass_file', ['job s1']],
      // s2 names no key: the engine's default one; s3 logs in with its password.
      [path.join(os.homedir(), '.ssh', 'id_rsa')]: ['ssh_key', ['job s2']],
    });
  });

  it('an action whose options the engine refuses is a problem naming the job, the action and the engine\'s message', () => {
    const needs = jobNeeds([job('bad', { action: 'exec', command: 'true' }, { action: 'backup', ...local, path_to_backup: '/d', compression: 'lz4' })], { disableExec: false });
    assert.equal(needs.problems.length, 1);
    assert.deepEqual({ ...needs.problems[0], message: undefined }, { job: 'job bad', index: 1, kind: 'backup', message: undefined });
    assert.match(needs.problems[0].message, /compression.*"lz4".*gzip, bzip2, xz, zstd/);
    assert.equal(needs.compressions.size, 0);
  });
});

describe('doctor: the verdict (doctor/check.ts)', () => {
  it('exits 0 only when nothing failed; skips do not fail', () => {
    assert.equal(exitCodeOf([ok('a', 'x'), skip('b', 'y')]), 0);
    assert.equal(exitCodeOf([ok('a', 'x'), fail('c', 'z')]), 1);
    assert.match(summaryLine([ok('a', 'x'), fail('c', 'z'), skip('b', 'y')]), /^1 ok, 1 FAIL, 1 skipped: this host lacks one thing/);
    assert.match(summaryLine([ok('a', 'x')]), /can run every action it is configured for/);
  });
});
