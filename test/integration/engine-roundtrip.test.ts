import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { backup, engineContext, ensureEngineTools, filesUnder, restore, slotOf, tempDir } from '../helpers/engine';
import { startSshd, type RunningSshd } from '../helpers/sshd';
import { makeTree, manifest, manifestDiff, mutateTree, type EntryState } from '../helpers/tree';

type Storage = { name: string; options: () => Record<string, unknown> };

/**
 * Backup -> mutate -> incremental -> mutate -> incremental, then a restore of each level into an
 * empty directory, compared entry by entry (content, mode, mtime, symlinks, empty dirs), on local
 * storage and on a real sshd.
 */
describe('engine round trip (backup, incrementals, restore of each level)', function () {
  this.timeout(120_000);
  let sshd: RunningSshd | null = null;
  let work = '';

  before(async () => {
    ensureEngineTools();
    work = tempDir('roundtrip');
    sshd = await startSshd();
    if (!sshd) console.log('      SKIPPED the ssh leg: openssh-server cannot be installed here');
  });
  after(async () => {
    await sshd?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  const storages: Storage[] = [
    { name: 'local', options: () => ({ storage: 'local', container: path.join(work, 'local-store') }) },
    {
      name: 'ssh',
      options: () => ({
        storage: 'ssh', container: path.join(work, 'ssh-store'), ssh_host: sshd!.host, ssh_port: sshd!.port,
        ssh_username: sshd!.username, ssh_key: sshd!.keyFile, ssh_known_hosts: sshd!.knownHostsFile,
      }),
    },
  ];

  for (const storage of storages) {
    it(`restores levels 0, 1 and 2 exactly (${storage.name} storage, zstd, sealed encryption)`, async function () {
      if (storage.name === 'ssh' && !sshd) this.skip();
      const src = path.join(work, `${storage.name}-src`);
      const key = path.join(work, 'key');
      fs.writeFileSync(key, 'correct horse battery staple\n');
      makeTree(src);
      const common = { ...storage.options(), backup_name: 'rt', hostname: 'host1', encrypt_pass_file: key };
      const states: Array<{ slot: ReturnType<typeof slotOf>; tree: Map<string, EntryState> }> = [];
      for (let round = 0; round < 3; round++) {
        if (round > 0) mutateTree(src, round);
        const ctx = engineContext();
        const done = await backup({ ...common, path_to_backup: src, compression: 'zstd' }, ctx);
        states.push({ slot: slotOf(done), tree: manifest(src) });
        assert.equal(states[round].slot.level, round);
        assert.ok(ctx.snapshots.length > 0, 'progress was reported');
        const last = ctx.snapshots.at(-1)!;
        assert.equal(last.eta_s, 0);
        assert.ok(last.files_done > 0 && last.bytes_done > 0 && last.stored_bytes > 0, JSON.stringify(last));
      }
      assert.equal(new Set(states.map((s) => s.slot.t0)).size, 1, 'one chain');
      for (const [level, state] of states.entries()) {
        const target = path.join(work, `${storage.name}-restore-${level}`);
        await restore({ ...common, restore_abs_path: target, restore_from_date: String(state.slot.ts) });
        assert.deepEqual(manifestDiff(state.tree, manifest(target)), [], `level ${level}`);
      }
    });
  }

  it('ssh: an unknown host key is refused, and let in with ssh_accept_unknown_host (unencrypted gzip through SFTP)', async function () {
    if (!sshd) this.skip();
    const src = path.join(work, 'ssh-unknown-src');
    makeTree(src, 5);
    const empty = path.join(work, 'empty_known_hosts');
    fs.writeFileSync(empty, '');
    const opts = { ...storages[1].options(), ssh_known_hosts: empty, container: path.join(work, 'ssh-unknown-store'), backup_name: 'u', hostname: 'h' };
    await assert.rejects(backup({ ...opts, path_to_backup: src }), /is not in .*empty_known_hosts.*ssh_accept_unknown_host/);
    assert.equal(fs.existsSync(opts.container), false, 'nothing was written');
    await backup({ ...opts, path_to_backup: src, compression: 'gzip', ssh_accept_unknown_host: 'True' });
    const target = path.join(work, 'ssh-unknown-restore');
    await restore({ ...opts, ssh_accept_unknown_host: true, restore_abs_path: target });
    assert.deepEqual(manifestDiff(manifest(src), manifest(target)), []);
  });

  it('exclude and dereference_symlink reach tar as in the stock agent', async () => {
    const src = path.join(work, 'ex-src');
    makeTree(src, 9);
    const common = { storage: 'local', container: path.join(work, 'ex-store'), backup_name: 'ex', hostname: 'h' };
    await backup({ ...common, path_to_backup: src, exclude: '*.log', dereference_symlink: 'soft' });
    const target = path.join(work, 'ex-restore');
    await restore({ ...common, restore_abs_path: target });
    const restored = manifest(target);
    assert.ok(![...restored.keys()].some((p) => p.endsWith('.log')), 'no .log file restored');
    // Dereferenced: the link comes back as a copy of README.txt.
    assert.equal(restored.get('bin/readme-link')?.type, 'file');
    assert.equal(restored.get('bin/readme-link')?.sha256, manifest(src).get('README.txt')?.sha256);
  });

  it('refuses a non-empty target without overwrite, restores into it with overwrite', async () => {
    const src = path.join(work, 'ow-src');
    makeTree(src, 7);
    const common = { storage: 'local', container: path.join(work, 'ow-store'), backup_name: 'ow', hostname: 'h' };
    await backup({ ...common, path_to_backup: src });
    const target = path.join(work, 'ow-target');
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'already-here'), 'x');
    await assert.rejects(restore({ ...common, restore_abs_path: target }), /Restore dir is not empty/);
    await restore({ ...common, restore_abs_path: target, overwrite: true });
    const restored = manifest(target);
    restored.delete('already-here');
    assert.deepEqual(manifestDiff(manifest(src), restored), []);
  });

  for (const compression of ['gzip', 'bzip2', 'xz', 'zstd']) {
    for (const encryption of ['none', 'openssl', 'sealed']) {
      it(`round-trips ${compression} with encryption ${encryption}`, async () => {
        const src = path.join(work, `m-${compression}-${encryption}-src`);
        makeTree(src, 3);
        const store = path.join(work, `m-${compression}-${encryption}-store`);
        const key = path.join(work, 'mkey');
        fs.writeFileSync(key, 'another passphrase');
        const enc = encryption === 'none' ? {} : { encrypt_pass_file: key, encryption_format: encryption };
        const common = { storage: 'local', container: store, backup_name: 'm', hostname: 'h', ...enc };
        await backup({ ...common, path_to_backup: src, compression });
        const meta = filesUnder(store).find((f) => f.endsWith('/metadata'))!;
        const stored = JSON.parse(fs.readFileSync(path.join(store, meta), 'utf8')) as Record<string, unknown>;
        assert.equal(stored.compression, compression);
        assert.equal(stored.encryption, encryption !== 'none');
        const data = filesUnder(store).find((f) => f.endsWith('/data'))!;
        const head = fs.readFileSync(path.join(store, data)).subarray(0, 8).toString('latin1');
        if (encryption === 'openssl') assert.equal(head, 'Salted__');
        if (encryption === 'sealed') assert.equal(head, 'PFSEAL01');
        const target = path.join(work, `m-${compression}-${encryption}-restore`);
        await restore({ ...common, restore_abs_path: target });
        assert.deepEqual(manifestDiff(manifest(src), manifest(target)), []);
      });
    }
  }
});
