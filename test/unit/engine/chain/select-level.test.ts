import assert from 'node:assert/strict';
import { Backup, Chain, LevelOptions, nextLevel } from '../../../../src/engine/chain';
import { chainsFrom, names } from './helpers';

const DAY = 86400;

/** Run `count` backups, one every `step` seconds, applying each choice to an in-memory storage. */
function simulate(opts: Omit<LevelOptions, 'now'>, count: number, step = 3600): { levels: number[]; chains: Chain[] } {
  const chains: Chain[] = [];
  const levels: number[] = [];
  for (let i = 0, now = 1_000_000; i < count; i += 1, now += step) {
    const choice = nextLevel(chains, { ...opts, now });
    const backup: Backup = { t0: choice.t0 ?? now, level: choice.level, ts: now };
    if (choice.t0 === null) chains.push({ t0: now, backups: [backup] });
    else chains.find((c) => c.t0 === choice.t0)?.backups.push(backup);
    levels.push(choice.level);
  }
  return { levels, chains };
}

describe('incremental level selection (engine/chain/select-level.ts)', () => {
  it('without options levels grow without bound', () => {
    assert.deepEqual(simulate({}, 6).levels, [0, 1, 2, 3, 4, 5]);
  });

  it('max_level=2 gives 0,1,2,0,1,2', () => {
    const { levels, chains } = simulate({ maxLevel: 2 }, 7);
    assert.deepEqual(levels, [0, 1, 2, 0, 1, 2, 0]);
    assert.equal(chains.length, 3);
  });

  it('always_level=2 gives 0,1,2,2,2 with the newest level 1 as parent', () => {
    const { levels, chains } = simulate({ alwaysLevel: 2 }, 5);
    assert.deepEqual(levels, [0, 1, 2, 2, 2]);
    const choice = nextLevel(chains, { alwaysLevel: 2, now: 2_000_000 });
    assert.equal(choice.level, 2);
    assert.deepEqual(choice.parent, chains[0].backups[1]);
  });

  it('always_level parent is the newest backup of level H-1', () => {
    const chains = chainsFrom({ 100: ['0_100', '1_110', '1_150', '2_160', '2_170'] });
    const choice = nextLevel(chains, { alwaysLevel: 2, now: 200 });
    assert.deepEqual(choice, { level: 2, t0: 100, parent: { t0: 100, level: 1, ts: 150 } });
  });

  it('always_level below the current top starts a new chain', () => {
    const chains = chainsFrom({ 100: ['0_100', '1_110', '2_120', '3_130'] });
    assert.deepEqual(nextLevel(chains, { alwaysLevel: 2, now: 200 }), { level: 0, t0: null, parent: null });
  });

  it('restart_always_level starts a new chain after N days (from the oldest top-level backup)', () => {
    const daily = simulate({ alwaysLevel: 1, restartAlwaysLevel: 3 }, 10, DAY).levels;
    assert.deepEqual(daily, [0, 1, 1, 1, 1, 0, 1, 1, 1, 1]);
    const plain = simulate({ restartAlwaysLevel: '0.5' }, 4, DAY).levels;
    assert.deepEqual(plain, [0, 0, 0, 0]);
    assert.deepEqual(simulate({ restartAlwaysLevel: 2 }, 4, 3600).levels, [0, 1, 2, 3]);
  });

  it('no_incremental always makes a new chain', () => {
    assert.deepEqual(simulate({ noIncremental: true }, 3).levels, [0, 0, 0]);
    assert.deepEqual(simulate({ noIncremental: 'True' }, 2).levels, [0, 0]);
    assert.deepEqual(simulate({ noIncremental: 'false' }, 2).levels, [0, 1]);
  });

  it('builds on the latest chain with the newest top-level backup as parent', () => {
    const chains = chainsFrom({ 100: ['0_100', '1_110'], 300: ['0_300', '1_310', '2_320'] });
    const choice = nextLevel(chains, { now: 400 });
    assert.deepEqual(choice, { level: 3, t0: 300, parent: { t0: 300, level: 2, ts: 320 } });
    assert.deepEqual(names(chains[1].backups), ['0_300', '1_310', '2_320']);
  });

  it('a chain with a level gap is not built on', () => {
    const chains = chainsFrom({ 100: ['0_100', '2_120'] });
    assert.equal(nextLevel(chains, { now: 200 }).t0, null);
  });

  it('coerces string options and treats ""/null/0/"None" as unset', () => {
    assert.deepEqual(simulate({ maxLevel: '3' }, 5).levels, [0, 1, 2, 3, 0]);
    assert.deepEqual(simulate({ alwaysLevel: ' 1 ' }, 3).levels, [0, 1, 1]);
    for (const unset of ['', null, undefined, 0, '0', 'None', false]) {
      assert.deepEqual(simulate({ maxLevel: unset, alwaysLevel: unset, restartAlwaysLevel: unset }, 4).levels, [0, 1, 2, 3]);
    }
  });

  it('rejects non-numeric options with a clear error', () => {
    const chains = chainsFrom({ 100: ['0_100'] });
    assert.throws(() => nextLevel(chains, { maxLevel: 'three', now: 1 }), /Invalid value for max_level: "three"/);
    assert.throws(() => nextLevel(chains, { alwaysLevel: '1.5', now: 1 }), /always_level.*integer/);
    assert.throws(() => nextLevel(chains, { maxLevel: -1, now: 1 }), /max_level/);
    assert.throws(() => nextLevel(chains, { maxLevel: '2.5', now: 1 }), /max_level.*integer/);
    assert.throws(() => nextLevel(chains, { restartAlwaysLevel: 'soon', now: 1 }), /restart_always_level/);
    assert.throws(() => nextLevel([], { noIncremental: 'maybe', now: 1 }), /no_incremental/);
  });
});
