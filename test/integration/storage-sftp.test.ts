import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { openStorage, SftpStorage, type SftpOptions } from '../../src/engine/storage';
import { freePort } from '../helpers/server';
import { startSshd, type RunningSshd } from '../helpers/sshd';
import { describeStorageContract, rejectsEngineError } from '../unit/engine/storage/storage-contract';

describe('ssh storage against a real OpenSSH server (engine/storage/sftp-storage.ts)', function () {
  this.timeout(60000);
  let sshd: RunningSshd | null = null;
  const optsOf = (extra: Partial<SftpOptions> = {}): SftpOptions => ({
    host: sshd!.host, port: sshd!.port, username: sshd!.username, keyFile: sshd!.keyFile,
    knownHostsFile: sshd!.knownHostsFile, timeoutMs: 10000, ...extra,
  });
  /** A known_hosts file in the server's temp dir with the given lines. */
  const knownHosts = (name: string, ...lines: string[]) => {
    const file = path.join(sshd!.dir, name);
    fs.writeFileSync(file, lines.map((l) => `${l}\n`).join(''));
    return file;
  };
  const hostLine = () => fs.readFileSync(sshd!.knownHostsFile, 'utf8').trim();
  const otherKeyLine = () => {
    const file = path.join(sshd!.dir, `other-${Date.now()}`);
    spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file]);
    return { file, pub: fs.readFileSync(`${file}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ') };
  };

  before(async function () {
    sshd = await startSshd();
    if (!sshd) {
      console.log('      SKIPPED sftp storage: openssh-server not installable');
      this.skip();
    }
    fs.mkdirSync(path.join(sshd.dir, 'storage'));
  });
  after(async () => sshd?.stop());

  describeStorageContract('SftpStorage', () => SftpStorage.open(optsOf()), () => path.join(sshd!.dir, 'storage'));

  describe('connecting', () => {
    it('connects to a known host, and resolves relative paths from the login directory', async () => {
      const storage = await SftpStorage.open(optsOf());
      try {
        assert.equal(storage.kind, 'ssh');
        assert.equal(storage.unknownHostAccepted, false);
        assert.equal(storage.hostKeyFingerprint, sshd!.hostKeyFingerprint);
        assert.equal((await storage.stat('.'))?.isDirectory, true);
      } finally {
        await storage.close();
      }
      await rejectsEngineError(storage.list('/'), /connection lost/);
    });

    it('also reads known_hosts hashed by ssh-keygen -H', async () => {
      const file = knownHosts('hashed_known_hosts', hostLine());
      assert.equal(spawnSync('ssh-keygen', ['-H', '-f', file]).status, 0);
      const storage = await SftpStorage.open(optsOf({ knownHostsFile: file }));
      await storage.close();
    });

    it('refuses an unknown host by default, showing its fingerprint', async () => {
      const file = knownHosts('empty_known_hosts');
      await rejectsEngineError(SftpStorage.open(optsOf({ knownHostsFile: file })),
        new RegExp(`^cannot connect to ssh storage .*: the host \\[127\\.0\\.0\\.1\\]:${sshd!.port} is not in .*${escape(sshd!.hostKeyFingerprint)}`));
      await rejectsEngineError(SftpStorage.open(optsOf({ knownHostsFile: path.join(sshd!.dir, 'absent') })), /is not in/);
    });

    it('lets an unknown host in with acceptUnknownHost, and says so', async () => {
      const storage = await SftpStorage.open(optsOf({ knownHostsFile: knownHosts('empty2'), acceptUnknownHost: true }));
      try {
        assert.equal(storage.unknownHostAccepted, true);
        assert.equal(storage.hostKeyFingerprint, sshd!.hostKeyFingerprint);
        assert.ok(Array.isArray(await storage.list(sshd!.dir)));
      } finally {
        await storage.close();
      }
    });

    it('refuses a changed host key, even with acceptUnknownHost', async () => {
      const file = knownHosts('changed', `[127.0.0.1]:${sshd!.port} ${otherKeyLine().pub}`);
      for (const acceptUnknownHost of [false, true]) {
        await rejectsEngineError(SftpStorage.open(optsOf({ knownHostsFile: file, acceptUnknownHost })),
          new RegExp(`does not match .*possible man-in-the-middle attack.*${escape(sshd!.hostKeyFingerprint)}`));
      }
    });

    it('refuses a host key marked @revoked', async () => {
      const file = knownHosts('revoked', hostLine(), `@revoked ${hostLine()}`);
      await rejectsEngineError(SftpStorage.open(optsOf({ knownHostsFile: file, acceptUnknownHost: true })), /@revoked/);
    });

    it('names the option at fault before connecting', async () => {
      await rejectsEngineError(SftpStorage.open(optsOf({ keyFile: path.join(sshd!.dir, 'no-such-key') })),
        /^ssh_key: cannot read the private key .*no-such-key: the file does not exist$/);
      await rejectsEngineError(SftpStorage.open(optsOf({ keyFile: sshd!.knownHostsFile })), /^ssh_key: .* is not a usable private key/);
      await rejectsEngineError(SftpStorage.open(optsOf({ keyFile: undefined })), /^ssh_key: /);
      await rejectsEngineError(SftpStorage.open(optsOf({ host: '' })), /^ssh_host: /);
      await rejectsEngineError(SftpStorage.open(optsOf({ username: '' })), /^ssh_username: /);
      await rejectsEngineError(SftpStorage.open(optsOf({ port: 70000 })), /^ssh_port: /);
    });

    it('reports a refused login for a wrong user or key', async () => {
      await rejectsEngineError(SftpStorage.open(optsOf({ username: 'permafrost-nobody' })),
        new RegExp(`^cannot connect to ssh storage permafrost-nobody@127\\.0\\.0\\.1:${sshd!.port}: authentication failed`));
      await rejectsEngineError(SftpStorage.open(optsOf({ keyFile: otherKeyLine().file })), /authentication failed for user .* with the key .*other-/);
    });

    it('reports a closed port', async () => {
      const port = await freePort();
      await rejectsEngineError(SftpStorage.open(optsOf({ port })),
        new RegExp(`^cannot connect to ssh storage ${sshd!.username}@127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
    });

    it('is what openStorage gives for storage ssh', async () => {
      const storage = await openStorage({ storage: 'ssh', container: sshd!.dir, ssh: optsOf() });
      assert.equal(storage.kind, 'ssh');
      await storage.close();
    });
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
