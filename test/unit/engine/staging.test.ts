import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { PARTIAL_DIR, Staging, SWEEP_AFTER_MS, sweepLeftovers } from '../../../src/engine/staging';
import { LocalStorage } from '../../../src/engine/storage/local-storage';
import { filesUnder, tempDir } from '../../helpers/engine';

describe('Staging and sweepLeftovers (engine/staging.ts)', () => {
  let root = '';
  const storage = new LocalStorage();
  const at = () => ({ container: root, engine: 'tar', hostname: 'h', backupName: 'b' });
  beforeEach(() => {
    root = tempDir('staging');
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const stage = async (slot: { t0: number; level: number; ts: number; newChain: boolean }) => {
    const staging = await Staging.create(storage, at());
    await storage.writeFile(`${staging.dataDir}/data`, 'DATA');
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
  });

  it('replaces an orphan data directory of the same slot, but never a published backup', async () => {
    fs.mkdirSync(path.join(root, 'data/tar/h_b/100/0_100'), { recursive: true });
    fs.writeFileSync(path.join(root, 'data/tar/h_b/100/0_100/data'), 'ORPHAN');
    await (await stage({ t0: 100, level: 0, ts: 100, newChain: true })).publish();
    assert.equal(fs.readFileSync(path.join(root, 'data/tar/h_b/100/0_100/data'), 'utf8'), 'DATA');
    await assert.rejects((await stage({ t0: 100, level: 0, ts: 100, newChain: false })).publish());
    assert.equal(fs.readFileSync(path.join(root, 'data/tar/h_b/100/0_100/data'), 'utf8'), 'DATA');
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
});
