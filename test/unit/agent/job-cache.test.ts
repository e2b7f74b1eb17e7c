import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { JobCache, REDACTED, redactSecrets } from '../../../src/agent/job-cache';
import { untrustedJobFile } from '../../../src/agent/job-files';

const modeOf = (p: string) => fs.statSync(p).mode & 0o777;

describe('trust 8: the job cache (agent/job-cache.ts) whatever the umask', () => {
  let root = '';
  let umask = 0;
  beforeEach(() => {
    umask = process.umask(0o000);
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-cache-'));
  });
  afterEach(() => {
    process.umask(umask);
    fs.rmSync(root, { recursive: true, force: true });
  });
  const job = { job_id: 'j1', job_actions: [{ freezer_action: { action: 'backup', storage: 'ssh', ssh_password: 'hunter2', ssh_host: 'h' } }], job_schedule: {} };

  it('creates the directory 0700 and files 0600, with secret values redacted', async () => {
    const dir = path.join(root, 'home', '.permafrost', 'jobs');
    const cache = new JobCache(dir, pino({ level: 'silent' }));
    await cache.prepare();
    await cache.write('j1', job);
    assert.equal(modeOf(dir), 0o700);
    assert.equal(modeOf(path.dirname(dir)), 0o700);
    const file = path.join(dir, 'job_j1.conf');
    assert.equal(modeOf(file), 0o600);
    const text = fs.readFileSync(file, 'utf8');
    assert.doesNotMatch(text, /hunter2/);
    assert.equal(JSON.parse(text).job_actions[0].freezer_action.ssh_password, REDACTED);
    assert.equal(JSON.parse(text).job_actions[0].freezer_action.ssh_host, 'h');
    assert.deepEqual(fs.readdirSync(dir), ['job_j1.conf'], 'no temporary file left behind');
  });

  it('tightens an existing directory left 0755 and scrubs the files an earlier version cached', async () => {
    const dir = path.join(root, 'jobs');
    fs.mkdirSync(dir, { mode: 0o755 });
    fs.writeFileSync(path.join(dir, 'job_old.conf'), JSON.stringify(job), { mode: 0o644 });
    await new JobCache(dir, pino({ level: 'silent' })).prepare();
    assert.equal(modeOf(dir), 0o700);
    assert.equal(modeOf(path.join(dir, 'job_old.conf')), 0o600);
    assert.doesNotMatch(fs.readFileSync(path.join(dir, 'job_old.conf'), 'utf8'), /hunter2/);
  });

  it('redacts secret-looking keys at any depth and keeps __proto__ a plain key', () => {
    const out = redactSecrets(JSON.parse('{"a":{"ftp_password":"x","secret_key":"y","token":"t","encrypt_pass_file":"/k","__proto__":{"password":"p"}},"n":null}')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.deepEqual([out.a.ftp_password, out.a.secret_key, out.a.token, out.a.encrypt_pass_file], [REDACTED, REDACTED, REDACTED, '/k']);
    assert.equal(Object.getPrototypeOf(out.a), Object.prototype);
    assert.equal(Object.getOwnPropertyDescriptor(out.a, '__proto__')?.value.password, REDACTED);
    assert.equal(out.n, null);
  });

  it('--no-api trusts job files and their directory only when no other user can write them', () => {
    const me = process.getuid?.() ?? 0;
    assert.equal(untrustedJobFile('f', { uid: me, mode: 0o100644 }, me), null);
    assert.match(untrustedJobFile('f', { uid: me, mode: 0o100666 }, me) ?? '', /f is writable by other users \(mode 0666\): chmod go-w it/);
    assert.match(untrustedJobFile('d', { uid: me, mode: 0o040775 }, me) ?? '', /writable by other users/);
    assert.match(untrustedJobFile('f', { uid: 4242, mode: 0o100600 }, 1000) ?? '', /belongs to uid 4242/);
    assert.equal(untrustedJobFile('f', { uid: 0, mode: 0o100600 }, 1000), null);
  });
});
