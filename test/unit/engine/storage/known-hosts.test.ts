import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHmac, generateKeyPairSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fingerprintOf, hostKeyVerdict, knownKeyTypes } from '../../../../src/engine/storage/known-hosts';

/** An ed25519 public key in ssh wire format: string "ssh-ed25519", string key. */
function ed25519Blob(): Buffer {
  const jwk = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
  return Buffer.concat([sshString(Buffer.from('ssh-ed25519')), sshString(Buffer.from(jwk.x!, 'base64url'))]);
}

function sshString(b: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
}

const line = (hosts: string, blob: Buffer, type = 'ssh-ed25519') => `${hosts} ${type} ${blob.toString('base64')}`;

/** What `ssh-keygen -H` writes: |1|base64(salt)|base64(HMAC-SHA1 keyed by salt, of the name). */
function hashed(name: string): string {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

const hasKeygen = spawnSync('ssh-keygen', ['-?']).error === undefined;

describe('known_hosts verdicts (engine/storage/known-hosts.ts)', () => {
  const key = ed25519Blob();
  const other = ed25519Blob();

  it('matches plain names on port 22, case-insensitively, and tells a changed key from an unknown host', () => {
    const text = line('backup.example.com', key);
    assert.equal(hostKeyVerdict(text, 'backup.example.com', 22, key), 'match');
    assert.equal(hostKeyVerdict(text, 'BACKUP.Example.com', 22, key), 'match');
    assert.equal(hostKeyVerdict(text, 'backup.example.com', 22, other), 'mismatch');
    assert.equal(hostKeyVerdict(text, 'other.example.com', 22, key), 'unknown');
    assert.equal(hostKeyVerdict('', 'backup.example.com', 22, key), 'unknown');
  });

  it('uses the [host]:port form for other ports, and only for them', () => {
    const text = line('[10.0.0.5]:2222', key);
    assert.equal(hostKeyVerdict(text, '10.0.0.5', 2222, key), 'match');
    assert.equal(hostKeyVerdict(text, '10.0.0.5', 22, key), 'unknown');
    assert.equal(hostKeyVerdict(line('10.0.0.5', key), '10.0.0.5', 2222, key), 'unknown');
    assert.equal(hostKeyVerdict(line('[10.0.0.5]:22', key), '10.0.0.5', 22, key), 'unknown', 'port 22 is always written bare');
  });

  it('reads comma lists, wildcards and negations', () => {
    const list = line('alpha,beta.lan,[gamma]:2200', key);
    for (const [host, port] of [['alpha', 22], ['beta.lan', 22], ['gamma', 2200]] as const) {
      assert.equal(hostKeyVerdict(list, host, port, key), 'match', `${host}:${port}`);
    }
    assert.equal(hostKeyVerdict(list, 'gamma', 22, key), 'unknown');
    const wild = line('*.example.com,node-?.lan,!bad.example.com', key);
    assert.equal(hostKeyVerdict(wild, 'a.b.example.com', 22, key), 'match');
    assert.equal(hostKeyVerdict(wild, 'node-7.lan', 22, key), 'match');
    assert.equal(hostKeyVerdict(wild, 'node-17.lan', 22, key), 'unknown', '? is exactly one character');
    assert.equal(hostKeyVerdict(wild, 'example.com', 22, key), 'unknown');
    assert.equal(hostKeyVerdict(wild, 'bad.example.com', 22, key), 'unknown', 'a negated match vetoes the line');
    assert.equal(hostKeyVerdict(line('[*.lan]:2222', key), 'x.lan', 2222, key), 'match');
    assert.equal(hostKeyVerdict(line('a.c', key), 'abc', 22, key), 'unknown', '. is not a wildcard');
  });

  it('matches hashed names (HMAC-SHA1) for both name forms', () => {
    const text = [line(hashed('backup.example.com'), key), line(hashed('[10.0.0.5]:2222'), other)].join('\n');
    assert.equal(hostKeyVerdict(text, 'backup.example.com', 22, key), 'match');
    assert.equal(hostKeyVerdict(text, 'backup.example.com', 22, other), 'mismatch');
    assert.equal(hostKeyVerdict(text, '10.0.0.5', 2222, other), 'match');
    assert.equal(hostKeyVerdict(text, '10.0.0.5', 22, other), 'unknown');
    assert.equal(hostKeyVerdict(line('|1|bad|salt', key), 'x', 22, key), 'unknown');
  });

  it('refuses @revoked keys even when also listed, and ignores @cert-authority lines', () => {
    const revoked = [line('host', key), `@revoked ${line('*', key)}`].join('\n');
    assert.equal(hostKeyVerdict(revoked, 'host', 22, key), 'revoked');
    assert.equal(hostKeyVerdict(`@revoked ${line('*', other)}\n${line('host', key)}`, 'host', 22, key), 'match');
    assert.equal(hostKeyVerdict(`@cert-authority ${line('*', key)}`, 'host', 22, key), 'unknown');
    assert.equal(hostKeyVerdict(`@unknown-marker ${line('host', key)}`, 'host', 22, key), 'unknown');
  });

  it('skips comments, blank and malformed lines, and keeps trailing comments harmless', () => {
    const text = [
      '# backup servers', '', '   ', 'host ssh-ed25519', 'host ssh-ed25519 not*base64', line('host', other, 'ssh-rsa'),
      `\t${line('host', key)} root@backup  # added 2024`,
    ].join('\r\n');
    assert.equal(hostKeyVerdict(text, 'host', 22, key), 'match');
    assert.equal(hostKeyVerdict(line('host', other, 'ssh-rsa'), 'host', 22, other), 'unknown', 'the line type must be the blob type');
  });

  it('compares key type and blob: another key type for a known host is a mismatch, and its types are known', () => {
    const rsaLike = Buffer.concat([sshString(Buffer.from('ssh-rsa')), sshString(Buffer.from([1, 0, 1])), sshString(randomBytes(64))]);
    const text = [line('host', rsaLike, 'ssh-rsa'), line('host', key)].join('\n');
    assert.deepEqual(knownKeyTypes(text, 'host', 22), ['ssh-rsa', 'ssh-ed25519']);
    assert.equal(hostKeyVerdict(text, 'host', 22, rsaLike), 'match');
    assert.equal(hostKeyVerdict(line('host', rsaLike, 'ssh-rsa'), 'host', 22, key), 'mismatch');
    assert.deepEqual(knownKeyTypes(text, 'elsewhere', 22), []);
  });

  describe('against the real ssh-keygen', () => {
    let dir: string;
    before(function () {
      if (!hasKeygen) {
        console.log('      SKIPPED: ssh-keygen not installed');
        this.skip();
      }
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-kh-'));
    });
    after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

    it('reads a file hashed by ssh-keygen -H', () => {
      const file = path.join(dir, 'known_hosts');
      fs.writeFileSync(file, `${line('backup.example.com', key)}\n${line('[10.0.0.5]:2222', other)}\n`);
      const run = spawnSync('ssh-keygen', ['-H', '-f', file], { encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      const text = fs.readFileSync(file, 'utf8');
      assert.doesNotMatch(text, /example\.com|10\.0\.0\.5/);
      assert.equal(text.match(/^\|1\|/gm)?.length, 2);
      assert.equal(hostKeyVerdict(text, 'backup.example.com', 22, key), 'match');
      assert.equal(hostKeyVerdict(text, '10.0.0.5', 2222, other), 'match');
      assert.equal(hostKeyVerdict(text, '10.0.0.5', 2222, key), 'mismatch');
      assert.equal(hostKeyVerdict(text, 'backup.example.com', 2222, key), 'unknown');
    });

    it('prints the fingerprint ssh-keygen -l prints', () => {
      const pub = path.join(dir, 'key.pub');
      fs.writeFileSync(pub, `${line('', key).trim()} test\n`);
      const run = spawnSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', pub], { encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      assert.equal(run.stdout.split(' ')[1], fingerprintOf(key));
    });
  });
});
