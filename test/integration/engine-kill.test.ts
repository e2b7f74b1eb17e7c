import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ensureEngineTools, restore, tempDir } from '../helpers/engine';
import { makeBigTree, manifest, manifestDiff } from '../helpers/tree';

const CLI = path.resolve(__dirname, '../../src/bin/permafrost.js');

/** Runs `permafrost action backup`; with killAfterMs, SIGKILLs it then. Resolves with the exit code (null if killed). */
function backupProcess(args: string[], killAfterMs: number | null): Promise<{ code: number | null; ms: number; stderr: string }> {
  const started = Date.now();
  const child = spawn(process.execPath, [CLI, 'action', 'backup', ...args, '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = killAfterMs === null ? null : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  return new Promise((resolve) => child.on('close', (code) => {
    if (timer) clearTimeout(timer);
    resolve({ code, ms: Date.now() - started, stderr });
  }));
}

describe('engine: killing a backup at random moments', function () {
  this.timeout(300_000);
  let work = '';
  before(() => {
    ensureEngineTools();
    work = tempDir('kill');
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it('never leaves a backup that restore takes as complete, and the next run succeeds', async () => {
    const src = path.join(work, 'src');
    makeBigTree(src);
    const expected = manifest(src);
    const store = path.join(work, 'store');
    const common = { storage: 'local', container: store, backup_name: 'k', hostname: 'h' };
    const args = ['--path-to-backup', src, '--storage', 'local', '--container', store, '--backup-name', 'k', '--hostname', 'h', '--compression', 'gzip', '--compression-level', '9', '--no-incremental'];

    // How long a whole run takes, measured on another container so `store` starts empty.
    const probe = args.map((a) => (a === store ? path.join(work, 'probe') : a));
    const full = await backupProcess(probe, null);
    assert.equal(full.code, 0, full.stderr);
    const killedRuns = 8;
    let restores = 0;
    for (let i = 0; i < killedRuns; i++) {
      const at = Math.floor(Math.random() * full.ms * 1.1);
      const run = await backupProcess(args, at);
      // Whatever moment it died at, what restore sees is a whole backup equal to the source.
      const target = path.join(work, `restore-${i}`);
      const restored = await restore({ ...common, restore_abs_path: target }).then(() => true, (err: Error) => {
        assert.match(err.message, /No matching backup name "h_k" found/, `after a kill at ${at} ms (exit ${run.code})`);
        return false;
      });
      if (restored) {
        assert.deepEqual(manifestDiff(expected, manifest(target)), [], `after a kill at ${at} ms (exit ${run.code})`);
        restores++;
      }
    }
    console.log(`      ${killedRuns} runs killed at random moments; ${restores} restores found a whole backup, the others none`);
    const next = await backupProcess(args, null);
    assert.equal(next.code, 0, next.stderr);
    const target = path.join(work, 'restore-last');
    await restore({ ...common, restore_abs_path: target });
    assert.deepEqual(manifestDiff(expected, manifest(target)), []);
  });
});
