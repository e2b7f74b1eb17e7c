import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { backup, ensureEngineTools, tempDir } from '../helpers/engine';
import { startSshd, type RunningSshd } from '../helpers/sshd';
import { makeTree, mutateTree } from '../helpers/tree';

/** Every entry under `root` whose mode is not 0700 (directory) or 0600 (file). */
function widerThanPrivate(root: string): string[] {
  return (fs.readdirSync(root, { recursive: true }) as string[]).flatMap((rel) => {
    const st = fs.lstatSync(path.join(root, rel));
    const want = st.isDirectory() ? 0o700 : 0o600;
    return (st.mode & 0o777) === want ? [] : [`${rel} ${(st.mode & 0o777).toString(8)}`];
  });
}

/**
 * Backups hold every file of the source: whatever the umask (000 here, for the engine and for the
 * sshd that serves SFTP), what the engine writes is 0600 and the directories it makes 0700, on
 * local storage and over SFTP, encrypted or not, full and incremental.
 */
describe('trust 8: backup files are 0600 and their directories 0700 whatever the umask', function () {
  this.timeout(120_000);
  let sshd: RunningSshd | null = null;
  let work = '';
  let umask = 0;

  before(async () => {
    ensureEngineTools();
    umask = process.umask(0o000);
    work = tempDir('file-modes');
    // Started under umask 000 too: its SFTP server creates files with exactly the mode asked for.
    sshd = await startSshd();
    if (!sshd) console.log('      SKIPPED the ssh leg: openssh-server cannot be installed here');
  });
  after(async () => {
    process.umask(umask);
    await sshd?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  const storages: Array<[string, () => Record<string, unknown>]> = [
    ['local', () => ({ storage: 'local', container: path.join(work, 'local-store') })],
    ['ssh', () => ({
      storage: 'ssh', container: path.join(work, 'ssh-store'), ssh_host: sshd!.host, ssh_port: sshd!.port,
      ssh_username: sshd!.username, ssh_key: sshd!.keyFile, ssh_known_hosts: sshd!.knownHostsFile,
    })],
  ];

  for (const [name, options] of storages) {
    it(`trust 8: ${name} storage, plain and encrypted, levels 0 and 1`, async function () {
      if (name === 'ssh' && !sshd) this.skip();
      const src = path.join(work, `${name}-src`);
      makeTree(src, 10);
      const key = path.join(work, 'key');
      fs.writeFileSync(key, 'a passphrase\n', { mode: 0o600 });
      let mutation = 0;
      for (const [backupName, extra] of [['plain', {}], ['sealed', { encrypt_pass_file: key }], ['openssl', { encrypt_pass_file: key, encryption_format: 'openssl' }]] as const) {
        for (let round = 0; round < 2; round++) {
          if (round > 0) mutateTree(src, ++mutation);
          await backup({ ...options(), backup_name: backupName, hostname: 'h', path_to_backup: src, compression: 'gzip', ...extra });
        }
      }
      const container = String(options().container);
      assert.ok((fs.readdirSync(container, { recursive: true }) as string[]).filter((p) => p.endsWith('/data')).length >= 6, 'the backups are there');
      assert.deepEqual(widerThanPrivate(container), []);
    });
  }
});
