import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ensureEngineTools, restore, tempDir } from '../helpers/engine';
import { killTree, pollUntil, waitGone } from '../helpers/processes';
import { makeBigTree, manifest, manifestDiff } from '../helpers/tree';

const CLI = path.resolve(__dirname, '../../src/bin/permafrost.js');

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** `permafrost action backup`, detached: it leads its own process group, as a service would. */
function backupProcess(args: string[]): { child: ChildProcess; ended: Promise<Ended>; exited: () => boolean } {
  const child = spawn(process.execPath, [CLI, 'action', 'backup', ...args, '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  let exited = false;
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const ended = new Promise<Ended>((resolve) => child.on('close', (code, signal) => {
    exited = true;
    resolve({ code, signal, stderr });
  }));
  return { child, ended, exited: () => exited };
}

/** The staging directories (one per run) under a store. */
function stagings(store: string): string[] {
  const root = path.join(store, '.permafrost-partial', 'h_k');
  return fs.existsSync(root) ? fs.readdirSync(root).map((d) => path.join(root, d)) : [];
}

function sizeOf(file: string): number {
  return fs.existsSync(file) ? fs.statSync(file).size : 0;
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

    // How much a whole run stores, measured on another container so `store` starts empty.
    const probeStore = path.join(work, 'probe');
    const full = await backupProcess(args.map((a) => (a === store ? probeStore : a))).ended;
    assert.equal(full.code, 0, full.stderr);
    const fullBytes = (fs.readdirSync(probeStore, { recursive: true }) as string[]).filter((f) => f.endsWith('/data')).reduce((sum, f) => sum + sizeOf(path.join(probeStore, f)), 0);
    assert.ok(fullBytes > 0);

    const killedRuns = 8;
    let restores = 0;
    const landed: string[] = [];
    for (let i = 0; i < killedRuns; i++) {
      const before = new Set(stagings(store));
      const run = backupProcess(args);
      const own = () => stagings(store).find((d) => !before.has(d));
      // Most kills land while data streams in (at a random share of it), the last ones once the
      // data is complete, when publication is about to start or under way.
      const share = 0.05 + Math.random() * 0.9;
      const moment = i < killedRuns - 2 ? `${Math.round(share * 100)}% of the data staged` : 'the data complete';
      await pollUntil(moment, 120_000, () => {
        const dir = own();
        if (run.exited()) return true;
        if (!dir) return false;
        return i < killedRuns - 2 ? sizeOf(path.join(dir, 'data', 'data')) >= share * fullBytes : fs.existsSync(path.join(dir, 'data', 'engine_metadata')) || fs.existsSync(path.join(dir, 'meta'));
      });
      const killed = run.exited() ? [] : killTree(run.child.pid!);
      const ended = await run.ended;
      // Mid-run: the engine still ran when the kill came, with bytes of its own staged (or being published).
      const dir = own();
      const midRun = killed.some((p) => p.pid === run.child.pid) && ended.signal === 'SIGKILL' && dir !== undefined
        && (sizeOf(path.join(dir, 'data', 'data')) > 0 || fs.existsSync(path.join(dir, 'meta')));
      if (midRun) landed.push(moment);
      // Nothing of the killed run goes on: no orphaned tar | gzip loads the machine.
      await waitGone(killed, 2000, `the processes of run ${i} after the kill`);

      // Whatever moment it died at, what restore sees is a whole backup equal to the source.
      const target = path.join(work, `restore-${i}`);
      const restored = await restore({ ...common, restore_abs_path: target }).then(() => true, (err: Error) => {
        assert.match(err.message, /No matching backup name "h_k" found/, `after a kill at ${moment} (exit ${ended.code})`);
        return false;
      });
      if (restored) {
        assert.deepEqual(manifestDiff(expected, manifest(target)), [], `after a kill at ${moment} (exit ${ended.code})`);
        restores++;
      }
    }
    console.log(`      ${killedRuns} runs killed; ${landed.length} mid-run (${landed.join('; ')}); ${restores} restores found a whole backup, the others none`);
    // A kill that always came before the data or after the run would prove nothing.
    assert.ok(landed.length >= killedRuns - 2, `only ${landed.length} of ${killedRuns} kills landed mid-run`);
    const next = await backupProcess(args).ended;
    assert.equal(next.code, 0, next.stderr);
    const target = path.join(work, 'restore-last');
    await restore({ ...common, restore_abs_path: target });
    assert.deepEqual(manifestDiff(expected, manifest(target)), []);
  });
});
