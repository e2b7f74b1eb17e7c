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
    if (!fs.existsSync('/usr/bin/script')) {
      // Pending (counted in the summary), with the reason: no way to give the CLI a terminal here.
      console.log('      SKIPPED: /usr/bin/script (util-linux) not found: no pty to draw the progress bar in');
      this.test!.title += ' (pending: /usr/bin/script not found)';
      this.skip();
    }
    const cmd = [process.execPath, CLI, 'action', 'backup', '--path-to-backup', path.join(work, 'src'), ...store(), '--no-incremental'].map((a) => `'${a}'`).join(' ');
    const { stdout } = await run('script', ['-qec', cmd, '/dev/null'], { timeout: 60_000 });
    assert.match(stdout, /backup \[=+\] 100% \| [\d.]+ (B|[KMG]iB) \| \d+ files \| [\d.]+ (B|[KMG]iB)\/s \| ETA 0s/);
  });

  it('a run that fails ends with one clear line and status 1; a wrong command line with status 2', async () => {
    const noBackup = await action(['restore', '--restore-abs-path', path.join(work, 'none'), ...store().slice(0, -4), '--backup-name', 'nothing', '--hostname', 'h']);
    assert.equal(noBackup.code, 1);
    assert.match(noBackup.stderr, /No matching backup name "h_nothing" found/);
    const unknown = await action(['bakup', ...store()]);
    assert.equal(unknown.code, 2);
    assert.equal(unknown.stderr.trim(), 'permafrost action: unknown action "bakup" (did you mean backup?): backup, restore or admin comes first');
    const missing = await action(['restore', ...store()]);
    assert.equal(missing.code, 2);
    assert.equal(missing.stderr.trim(), 'permafrost action: restore_abs_path is required for a restore (the directory to restore into)');
    const bare = await action(['backup', 'stray-word']);
    assert.equal(bare.code, 2);
    assert.match(bare.stderr, /unexpected argument "stray-word"/);
    const noAction = await action([]);
    assert.equal(noAction.code, 2);
    const level = await action(['backup', '--log-level', 'loud', ...store()]);
    assert.equal(level.code, 2);
    assert.match(level.stderr, /^permafrost action: --log-level "loud": one of fatal, error/);
  });

  it('trust 14: a mistyped, misplaced or unsupported option is refused (status 2, named, with a suggestion) and nothing is written', async () => {
    const container = path.join(work, 'typo-store');
    const typo = await action(['backup', '--path-to-backup', path.join(work, 'src'), ...store().slice(0, 2), '--container', container, '--backup-name', 'typo',
      '--encrypt-pass-fle', path.join(work, 'key'), '--compresion', 'zstd']);
    assert.equal(typo.code, 2, typo.stderr);
    assert.equal(typo.stderr.trim(),
      'permafrost action: unknown option --encrypt-pass-fle (did you mean --encrypt-pass-file?); unknown option --compresion (did you mean --compression?)');
    assert.equal(fs.existsSync(container), false, 'nothing was written');
    const cases: Array<[string[], RegExp]> = [
      [['restore', '--restore-abs-path', path.join(work, 'r'), '--storage', 'local', '--container', container, '--backup-name', 'x', '--overwrite', 'stray'], /^permafrost action: unexpected argument "stray"/],
      [['backup', '--path-to-backup', path.join(work, 'src'), '--storage', 'local', '--container', container, '--backup-name', 'x', '--overwrite'], /^permafrost action: --overwrite makes no sense for backup \(only for restore\)$/],
      [['backup', '--path-to-backup', path.join(work, 'src'), '--storage', 'local', '--container', container, '--backup-name', 'x', '--dry-run', 'stray'], /^permafrost action: unexpected argument "stray"/],
      [['restore', '--restore-abs-path', path.join(work, 'r'), '--storage', 'local', '--container', container, '--backup-name', 'x', '--compression', 'zstd'], /--compression makes no sense for restore/],
      [['backup', '--path-to-backup', path.join(work, 'src'), '--storage', 'local', '--container', container, '--backup-name', 'x', '--upload-limit', '1000'], /--upload-limit is not supported by this agent \(bandwidth limits\)/],
      [['backup', '--path-to-backup', path.join(work, 'src'), '--storage', 'local', '--container', container, '--backup-name', 'x', '--compression', 'zsdt'], /Invalid value for compression: "zsdt" \(did you mean zstd\?/],
    ];
    for (const [args, message] of cases) {
      const r = await action(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr.trim(), message);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
    assert.equal(fs.existsSync(container), false, 'nothing was written');
  });
});
