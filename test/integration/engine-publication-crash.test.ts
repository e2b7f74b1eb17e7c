import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { backupPath, metadataPath } from '../../src/engine/chain';
import { listChains } from '../../src/engine/storage-chains';
import { LocalStorage } from '../../src/engine/storage/local-storage';
import { CrashingStorage } from '../helpers/crashing-storage';
import { backup, ensureEngineTools, restore, slotOf, tempDir } from '../helpers/engine';
import { publishStaged, type StagedLevel } from '../helpers/publish-staged';
import { makeTree, manifest, manifestDiff, type EntryState } from '../helpers/tree';

type Manifest = Map<string, EntryState>;

const CHILD = path.resolve(__dirname, '../helpers/publish-crash-child.js');
const NAMES = { engine: 'tar', hostname: 'h', backupName: 'pc' };

/**
 * Publication (staging.ts) is a handful of storage calls: whichever one a crash follows, the
 * storage, opened afresh, lists either the backups it had or those plus a whole new one, which
 * restores byte for byte; never a backup it lists but cannot read. And the next run succeeds.
 */
describe('engine: a crash right after any storage call of publication', function () {
  this.timeout(900_000);
  let work = '';
  let src = '';
  let n = 0;
  const fresh = () => path.join(work, `c${++n}`);
  const common = (container: string) => ({ storage: 'local', container, backup_name: NAMES.backupName, hostname: NAMES.hostname, compression: 'gzip' });
  /** Level 0 (tree v1) and level 1 (tree v2) made by real runs on a scratch store, to publish again. */
  const levels: Array<{ slot: { t0: number; level: number; ts: number }; tree: Manifest; scratch: string }> = [];

  const staged = (container: string, level: number): StagedLevel => {
    const { slot, scratch } = levels[level];
    const data = backupPath(scratch, 'data', NAMES.engine, NAMES.hostname, NAMES.backupName, slot.t0, slot.level, slot.ts);
    return {
      at: { container, ...NAMES },
      slot: { ...slot, newChain: level === 0 },
      dataFile: path.join(data, 'data'),
      snapshotFile: path.join(data, 'engine_metadata'),
      metadata: fs.readFileSync(metadataPath(scratch, NAMES.engine, NAMES.hostname, NAMES.backupName, slot.t0, slot.level, slot.ts), 'utf8'),
    };
  };

  before(async () => {
    ensureEngineTools();
    work = tempDir('publication-crash');
    src = path.join(work, 'src');
    makeTree(src);
    const scratch = fresh();
    for (const change of [() => undefined, () => {
      fs.writeFileSync(path.join(src, 'data', 'new-in-v2.txt'), 'v2');
      fs.rmSync(path.join(src, 'data', 'empty-file'));
    }]) {
      change();
      const tree = manifest(src);
      levels.push({ slot: slotOf(await backup({ ...common(scratch), path_to_backup: src })), tree, scratch });
    }
    assert.deepEqual(levels.map((l) => l.slot.level), [0, 1]);
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  /** What a fresh storage lists and restores after the crash; then a whole new run on it. */
  async function check(container: string, level: number, label: string): Promise<void> {
    const chains = await listChains(new LocalStorage(), { container, ...NAMES });
    const listed = chains.flatMap((c) => c.backups.map((b) => b.level));
    const published = listed.includes(level);
    assert.deepEqual(listed, [...Array(level).keys(), ...(published ? [level] : [])], `${label}: levels listed`);
    const target = fresh();
    const outcome = await restore({ ...common(container), restore_abs_path: target }).then(() => 'restored', (err: Error) => err.message);
    if (listed.length === 0) {
      assert.match(outcome, /No matching backup name "h_pc" found/, label);
    } else {
      assert.equal(outcome, 'restored', `${label}: levels ${listed.join(', ')} are listed, and restore fails`);
      const expected = levels[published ? level : level - 1].tree;
      assert.deepEqual(manifestDiff(expected, manifest(target)), [], `${label}: restored tree`);
    }
    // The next run picks its level from what is listed, and what it makes restores whole.
    await backup({ ...common(container), path_to_backup: src });
    const next = fresh();
    await restore({ ...common(container), restore_abs_path: next });
    assert.deepEqual(manifestDiff(manifest(src), manifest(next)), [], `${label}: the next run`);
  }

  /** A store holding the levels below `level`, published without a crash. */
  async function storeBelow(level: number): Promise<string> {
    const container = fresh();
    for (let l = 0; l < level; l++) await publishStaged(new CrashingStorage(new LocalStorage(), null, () => undefined), staged(container, l));
    return container;
  }

  /** The calls publication of `level` makes, from a run without a crash. */
  async function publicationCalls(level: number): Promise<string[]> {
    const storage = new CrashingStorage(new LocalStorage(), null, () => undefined);
    await publishStaged(storage, staged(await storeBelow(level), level));
    assert.equal(storage.calls.filter((c) => c.startsWith('rename ')).length, 2, storage.calls.join('\n'));
    return storage.calls;
  }

  for (const [level, what] of [[0, 'level 0 (a new chain)'], [1, 'level 1 (an increment)']] as const) {
    it(`${what}: a storage that throws after call N, for every N`, async () => {
      const calls = await publicationCalls(level);
      for (let crashAfter = 1; crashAfter <= calls.length; crashAfter++) {
        const container = await storeBelow(level);
        const storage = new CrashingStorage(new LocalStorage(), crashAfter, (call) => {
          throw new Error(`crash injected after ${call}`);
        });
        await assert.rejects(publishStaged(storage, staged(container, level)), /crash injected/);
        await check(container, level, `throw after call ${crashAfter} (${calls[crashAfter - 1]})`);
      }
    });

    it(`${what}: the process killed right after call N, for every N`, async () => {
      const calls = await publicationCalls(level);
      for (let dieAfter = 1; dieAfter <= calls.length; dieAfter++) {
        const container = await storeBelow(level);
        const child = spawnSync(process.execPath, [CHILD, JSON.stringify(staged(container, level)), String(dieAfter)], { encoding: 'utf8' });
        assert.equal(child.signal, 'SIGKILL', `it died at call ${dieAfter}: ${child.stderr}`);
        await check(container, level, `killed after call ${dieAfter} (${calls[dieAfter - 1]})`);
      }
      // Control: told never to die, the process publishes with the same calls.
      const container = await storeBelow(level);
      const whole = spawnSync(process.execPath, [CHILD, JSON.stringify(staged(container, level)), '0'], { encoding: 'utf8' });
      assert.equal(whole.status, 0, whole.stderr);
      assert.equal((JSON.parse(whole.stdout) as string[]).length, calls.length);
    });
  }
});
