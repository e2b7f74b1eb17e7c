import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { PARTIAL_DIR, Staging, SWEEP_AFTER_MS, sweepLeftovers } from '../../../src/engine/staging';
import { LocalStorage } from '../../../src/engine/storage/local-storage';
import { CrashingStorage } from '../../helpers/crashing-storage';
import { filesUnder, tempDir } from '../../helpers/engine';

describe('Staging and sweepLeftovers (engine/staging.ts)', () => {
  let root = '';
  const storage = new LocalStorage();
  const at = () => ({ container: root, engine: 'tar', hostname: 'h', backupName: 'b' });
  beforeEach(() => {
    root = tempDir('staging');
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const stage = async (slot: { t0: number; level: number; ts: number; newChain: boolean }, data = 'DATA', container = root) => {
    const staging = await Staging.create(storage, { ...at(), container });
    await storage.writeFile(`${staging.dataDir}/data`, data);
    await storage.writeFile(`${staging.dataDir}/engine_metadata`, 'SNAP');
    return { staging, publish: () => staging.publish(slot, '{"engine_name": "tar"}') };
  };

  it('publishes a new chain and an increment in the C.9 layout, leaving no staging behind', async () => {
    await (await stage({ t0: 100, level: 0, ts: 100, newChain: true })).publish();
    await (await stage({ t0: 100, level: 1, ts: 105, newChain: false })).publish();
    assert.deepEqual(filesUnder(root), [
      'data/tar/h_b/100/0_100/data', 'data/tar/h_b/100/0_100/engine_metadata',
      'data/tar/h_b/100/1_105/data', 'data/tar/h_b/100/1_105/engine_metadata',
      'metadata/tar/h_b/100/0_100/metadata', 'metadata/tar/h_b/100/1_105/metadata',
    ]);
    assert.deepEqual(fs.readdirSync(path.join(root, PARTIAL_DIR, 'h_b')), []);
    assert.deepEqual(fs.readdirSync(root).sort(), [PARTIAL_DIR, 'data', 'metadata'], 'nothing created beside the layout');
  });

  it('replaces an orphan data directory of the same slot, but never a published backup', async () => {
    fs.mkdirSync(path.join(root, 'data/tar/h_b/100/0_100'), { recursive: true });
    fs.writeFileSync(path.join(root, 'data/tar/h_b/100/0_100/data'), 'ORPHAN');
    await (await stage({ t0: 100, level: 0, ts: 100, newChain: true })).publish();
    assert.equal(fs.readFileSync(path.join(root, 'data/tar/h_b/100/0_100/data'), 'utf8'), 'DATA');
    await assert.rejects((await stage({ t0: 100, level: 0, ts: 100, newChain: false }, 'SECOND')).publish());
    assert.equal(fs.readFileSync(path.join(root, 'data/tar/h_b/100/0_100/data'), 'utf8'), 'DATA');
  });

  it('a crash right after any storage call of publish leaves no metadata without its whole data', async () => {
    for (const slot of [{ t0: 100, level: 0, ts: 100, newChain: true }, { t0: 100, level: 1, ts: 105, newChain: false }]) {
      const published = (container: string) => ({
        meta: fs.existsSync(path.join(container, `metadata/tar/h_b/100/${slot.level}_${slot.ts}/metadata`)),
        data: filesUnder(path.join(container, `data/tar/h_b/100/${slot.level}_${slot.ts}`)),
      });
      const publish = async (container: string, crashAfter: number | null) => {
        const at = { container, engine: 'tar', hostname: 'h', backupName: 'b' };
        if (slot.level === 1) await (await Staging.create(storage, at)).publish({ t0: 100, level: 0, ts: 100, newChain: true }, '{}');
        const crashing = new CrashingStorage(storage, crashAfter, (call) => {
          throw new Error(`crash after ${call}`);
        });
        const staging = await Staging.create(crashing, at);
        await crashing.writeFile(`${staging.dataDir}/data`, 'DATA');
        await crashing.writeFile(`${staging.dataDir}/engine_metadata`, 'SNAP');
        crashing.arm();
        await staging.publish(slot, '{"engine_name": "tar"}').catch((err: Error) => assert.match(err.message, /crash after/));
        return crashing.calls;
      };
      const calls = await publish(path.join(root, `whole-${slot.level}`), null);
      for (let n = 1; n <= calls.length; n++) {
        const container = path.join(root, `crash-${slot.level}-${n}`);
        await publish(container, n);
        const { meta, data } = published(container);
        if (meta) assert.deepEqual(data, ['data', 'engine_metadata'], `metadata published without its data, after ${calls[n - 1]}`);
        assert.equal(meta, calls.slice(0, n).filter((c) => c.startsWith('rename ')).length === 2, `published after ${calls[n - 1]}`);
      }
    }
  });

  it('sweeps staging areas and unpublished data once old, and nothing published', async () => {
    await (await stage({ t0: 100, level: 0, ts: 100, newChain: true })).publish();
    const { staging } = await stage({ t0: 100, level: 1, ts: 101, newChain: false });
    fs.mkdirSync(path.join(root, 'data/tar/h_b/100/1_102'), { recursive: true });
    assert.deepEqual(await sweepLeftovers(storage, at(), Date.now()), [], 'young leftovers may be a run in flight');
    const swept = await sweepLeftovers(storage, at(), Date.now() + SWEEP_AFTER_MS + 60_000);
    assert.deepEqual(swept.sort(), [staging.dir, path.join(root, 'data/tar/h_b/100/1_102')].sort());
    assert.deepEqual(filesUnder(root).filter((f) => f.includes('0_100')).length, 3);
  });

  it('stages under <container>/.permafrost-partial/<hbn>/, also when the container ends in slashes', async () => {
    assert.equal(PARTIAL_DIR, '.permafrost-partial', 'the name is part of the layout on storage: stock listings skip it');
    const { staging } = await stage({ t0: 100, level: 0, ts: 100, newChain: true }, 'DATA', `${root}//`);
    assert.equal(path.dirname(staging.dir), `${root}/.permafrost-partial/h_b`);
  });

  it('sweeps a leftover only once it is older than SWEEP_AFTER_MS, not at exactly that age', async () => {
    const { staging } = await stage({ t0: 100, level: 0, ts: 100, newChain: true });
    const mtime = fs.statSync(staging.dir).mtimeMs;
    assert.deepEqual(await sweepLeftovers(storage, at(), mtime + SWEEP_AFTER_MS), []);
    assert.deepEqual(await sweepLeftovers(storage, at(), mtime + SWEEP_AFTER_MS + 1), [staging.dir]);
  });

  it('the sweep leaves alone what is not a chain or a backup directory (an operator\'s files, other tools\' data)', async () => {
    await (await stage({ t0: 100, level: 0, ts: 100, newChain: true })).publish();
    const foreign = ['data/tar/h_b/notes/1_105/data', 'data/tar/h_b/100/README'];
    for (const f of foreign) {
      fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
      fs.writeFileSync(path.join(root, f), 'keep');
    }
    assert.deepEqual(await sweepLeftovers(storage, at(), Date.now() + 10 * SWEEP_AFTER_MS), []);
    for (const f of foreign) assert.ok(fs.existsSync(path.join(root, f)), f);
  });

  it('a leftover that vanishes between listing and stat (another agent sweeping) is skipped, not an error', async () => {
    const { staging } = await stage({ t0: 100, level: 0, ts: 100, newChain: true });
    const racing = Object.create(storage) as LocalStorage;
    racing.stat = async (p: string) => (p === staging.dir ? null : storage.stat(p));
    assert.deepEqual(await sweepLeftovers(racing, at(), Date.now() + 10 * SWEEP_AFTER_MS), []);
  });
});
