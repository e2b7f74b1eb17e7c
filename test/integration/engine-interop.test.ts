import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { backup, restore, tempDir } from '../helpers/engine';
import { makeTree, manifest, manifestDiff, mutateTree } from '../helpers/tree';

const run = promisify(execFile);
const SCRIPT = path.resolve(__dirname, '../../../scripts/debian-packages.sh');

function stockAgentAvailable(): boolean {
  try {
    execFileSync('bash', [SCRIPT, 'python3-freezer'], { stdio: 'ignore', timeout: 600_000 });
    return fs.existsSync('/usr/bin/freezer-agent');
  } catch {
    return false;
  }
}

/** The stock agent with local storage; 13.0.0 wants OpenStack settings even then (spec C.1), so fake ones. */
async function stock(work: string, args: string[]): Promise<void> {
  await run('freezer-agent', [...args, '--storage', 'local', '--log-file', path.join(work, 'stock.log')], {
    env: { ...process.env, OS_AUTH_URL: 'http://127.0.0.1:9/v3', OS_TOKEN: 'x', OS_PROJECT_ID: 'p' },
    timeout: 120_000,
  });
}

/**
 * Backups move between the stock freezer-agent (Debian python3-freezer) and ours, both ways, gzip
 * with and without the stock openssl encryption, over a chain of three levels.
 */
describe('engine interop with the stock freezer-agent', function () {
  this.timeout(300_000);
  let work = '';
  before(function () {
    if (!stockAgentAvailable()) {
      console.log('      SKIPPED interop: the stock freezer-agent (python3-freezer) cannot be installed here');
      this.skip();
    }
    work = tempDir('interop');
    fs.writeFileSync(path.join(work, 'key'), 'interop passphrase\n');
  });
  after(() => work && fs.rmSync(work, { recursive: true, force: true }));

  for (const encrypted of [false, true]) {
    const label = encrypted ? 'gzip + openssl aes-256-cfb' : 'gzip';
    const keyArgs = (work: string) => (encrypted ? ['--encrypt-pass-file', path.join(work, 'key')] : []);

    it(`stock backups (3 levels, ${label}) restore with ours, level by level`, async () => {
      const src = path.join(work, `s-${encrypted}`);
      const store = path.join(work, `s-store-${encrypted}`);
      makeTree(src, 11);
      const states = [];
      for (let round = 0; round < 3; round++) {
        if (round > 0) mutateTree(src, round);
        // The stock agent names backups by the second: keep them apart.
        if (round > 0) await new Promise((r) => setTimeout(r, 1100));
        await stock(work, ['--action', 'backup', '--path-to-backup', src, '--container', store, '--backup-name', 'ia', '--hostname', 'stockhost', '--compression', 'gzip', ...keyArgs(work)]);
        states.push(manifest(src));
      }
      const chain = fs.readdirSync(path.join(store, 'metadata/tar/stockhost_ia'));
      assert.equal(chain.length, 1);
      const levels = fs.readdirSync(path.join(store, 'metadata/tar/stockhost_ia', chain[0])).sort();
      assert.deepEqual(levels.map((l) => l.split('_')[0]), ['0', '1', '2']);
      for (const [level, name] of levels.entries()) {
        const target = path.join(work, `s-restore-${encrypted}-${level}`);
        await restore({
          storage: 'local', container: store, backup_name: 'ia', hostname: 'stockhost', restore_abs_path: target,
          restore_from_date: name.split('_')[1],
          // Stock chains carry no chain authentication: an encrypted restore needs the explicit opt-in.
          ...(encrypted ? { encrypt_pass_file: path.join(work, 'key'), accept_unauthenticated: true } : {}),
        });
        assert.deepEqual(manifestDiff(states[level], manifest(target)), [], `level ${level}`);
      }
    });

    it(`our backups (3 levels, ${label}) restore with the stock agent`, async () => {
      const src = path.join(work, `o-${encrypted}`);
      const store = path.join(work, `o-store-${encrypted}`);
      makeTree(src, 12);
      const enc = encrypted ? { encrypt_pass_file: path.join(work, 'key'), encryption_format: 'openssl' } : {};
      for (let round = 0; round < 3; round++) {
        if (round > 0) mutateTree(src, round);
        await backup({ storage: 'local', container: store, backup_name: 'ib', hostname: 'ourhost', path_to_backup: src, compression: 'gzip', ...enc });
      }
      if (encrypted) {
        // Our chain MACs live in extra metadata keys, which the stock agent ignores.
        const metas = fs.readdirSync(path.join(store, 'metadata'), { recursive: true }) as string[];
        const macs = metas.filter((f) => f.endsWith('metadata') && /"chain_mac"/.test(fs.readFileSync(path.join(store, 'metadata', f), 'utf8')));
        assert.equal(macs.length, 3);
      }
      const target = path.join(work, `o-restore-${encrypted}`);
      await stock(work, ['--action', 'restore', '--container', store, '--backup-name', 'ib', '--hostname', 'ourhost', '--restore-abs-path', target, ...keyArgs(work)]);
      assert.deepEqual(manifestDiff(manifest(src), manifest(target)), []);
    });
  }
});
