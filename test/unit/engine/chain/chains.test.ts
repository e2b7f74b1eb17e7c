import assert from 'node:assert/strict';
import { backupsAtLevel, chainsOf, contiguousTop, latestChain } from '../../../../src/engine/chain';
import { chainsFrom, names } from './helpers';

describe('chains from listings (engine/chain/chains.ts)', () => {
  it('sorts chains by t0 and backups by (level, ts), skipping junk and duplicates', () => {
    const chains = chainsFrom({
      300: ['1_350', '0_300', 'junk', '1_320', '1_350/'],
      100: ['2_130', '0_100', '1_110', '.tmp', '0_999'],
    });
    assert.deepEqual(chains.map((c) => c.t0), [100, 300]);
    assert.deepEqual(names(chains[0].backups), ['0_100', '1_110', '2_130']);
    assert.deepEqual(names(chains[1].backups), ['0_300', '1_320', '1_350']);
    assert.ok(chains[1].backups.every((b) => b.t0 === 300));
  });

  it('sorts chains by t0 whatever the listing order (a Map keeps insertion order, unlike an object)', () => {
    const chains = chainsOf(new Map([[300, ['0_300']], [100, ['0_100']], [200, ['0_200']]]));
    assert.deepEqual(chains.map((c) => c.t0), [100, 200, 300]);
  });

  it('excludes chains without their level-0 entry', () => {
    const chains = chainsFrom({ 100: ['0_100', '1_110'], 200: ['1_210'], 300: [], 400: ['0_401', 'x'] });
    assert.deepEqual(chains.map((c) => c.t0), [100]);
    assert.deepEqual(chainsFrom({}), []);
  });

  it('finds the latest chain and the contiguous top level', () => {
    const chains = chainsFrom({ 100: ['0_100', '1_110', '3_130'], 50: ['0_50'] });
    assert.equal(latestChain(chains)?.t0, 100);
    assert.equal(latestChain([]), null);
    assert.equal(contiguousTop(chains[1]), 1);
  });

  it('the latest chain and a level\'s backups do not depend on the order they are given in', () => {
    const unsorted = [{ t0: 300, backups: [] }, { t0: 100, backups: [] }];
    assert.equal(latestChain(unsorted)?.t0, 300);
    const chain = { t0: 100, backups: [{ t0: 100, level: 1, ts: 150 }, { t0: 100, level: 0, ts: 100 }, { t0: 100, level: 1, ts: 120 }] };
    assert.deepEqual(names(backupsAtLevel(chain, 1)), ['1_120', '1_150']);
  });
});
