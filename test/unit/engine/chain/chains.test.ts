import assert from 'node:assert/strict';
import { contiguousTop, latestChain } from '../../../../src/engine/chain';
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
});
