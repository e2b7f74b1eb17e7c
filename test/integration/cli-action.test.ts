import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { ensureEngineTools, tempDir } from '../helpers/engine';
import { makeTree, manifest, manifestDiff } from '../helpers/tree';

const run = promisify(execFile);
const CLI = path.resolve(__dirname, '../../src/bin/permafrost.js');

async function action(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, 'action', ...args], { timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('permafrost action (one backup, restore or admin in the foreground)', function () {
  this.timeout(60_000);
  let work = '';
  before(() => {
    ensureEngineTools();
    work = tempDir('cli-action');
    makeTree(path.join(work, 'src'));
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));
  const store = () => ['--storage', 'local', '--container', path.join(work, 'store'), '--backup-name', 'cli', '--hostname', 'h'];

  it('backs up with --metadata-out -, restores, and draws no bar when stderr is not a terminal', async () => {
    const b = await action(['backup', '--path-to-backup', path.join(work, 'src'), ...store(), '--compression', 'zstd', '--metadata-out', '-']);
    assert.equal(b.code, 0, b.stderr);
    const doc = JSON.parse(b.stdout) as Record<string, unknown>;
    assert.equal(doc.curr_backup_level, 0);
    assert.equal(doc.compression, 'zstd');
    assert.match(b.stderr, /^backup level 0 of h_cli: \d+ files/m);
    assert.doesNotMatch(b.stderr, /\[=*-*\]/);
    const r = await action(['restore', '--restore-abs-path', path.join(work, 'out'), ...store()]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(manifestDiff(manifest(path.join(work, 'src')), manifest(path.join(work, 'out'))), []);
  });

  it('draws a progress bar in a terminal (a real pty, through script(1))', async function () {
    if (!fs.existsSync('/usr/bin/script')) this.skip();
    const cmd = [process.execPath, CLI, 'action', 'backup', '--path-to-backup', path.join(work, 'src'), ...store(), '--no-incremental'].map((a) => `'${a}'`).join(' ');
    const { stdout } = await run('script', ['-qec', cmd, '/dev/null'], { timeout: 60_000 });
    assert.match(stdout, /backup \[=+\] 100% \| [\d.]+ [KM]?B \| \d+ files \| .* \| ETA 0s/);
  });

  it('fails with one clear line and status 1 on bad input', async () => {
    const unknown = await action(['bakup', ...store()]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /unknown action "bakup" \(backup, restore or admin\)/);
    const missing = await action(['restore', ...store()]);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr.trim(), 'permafrost action: restore_abs_path is required for a restore (the directory to restore into)');
    const noBackup = await action(['restore', '--restore-abs-path', path.join(work, 'none'), ...store().slice(0, -4), '--backup-name', 'nothing', '--hostname', 'h']);
    assert.match(noBackup.stderr, /No matching backup name "h_nothing" found/);
    const bare = await action(['backup', 'stray-word']);
    assert.match(bare.stderr, /unexpected argument "stray-word"/);
  });
});
