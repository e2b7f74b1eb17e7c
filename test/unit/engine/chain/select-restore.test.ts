import assert from 'node:assert/strict';
import { NoBackupError, restoreChain } from '../../../../src/engine/chain';
import { chainsFrom, names } from './helpers';

describe('restore selection (engine/chain/select-restore.ts)', () => {
  const chains = chainsFrom({
    100: ['0_100', '1_110', '2_120'],
    200: ['0_200', '1_210', '2_220', '3_230'],
  });

  it('without a date takes every level of the newest chain', () => {
    assert.deepEqual(names(restoreChain(chains, null, 'h_b')), ['0_200', '1_210', '2_220', '3_230']);
  });

  it('with a date takes the newest chain with T0 <= D and its increments <= D', () => {
    assert.deepEqual(names(restoreChain(chains, 215, 'h_b')), ['0_200', '1_210']);
    assert.deepEqual(names(restoreChain(chains, 200, 'h_b')), ['0_200']);
    assert.deepEqual(names(restoreChain(chains, 199, 'h_b')), ['0_100', '1_110', '2_120']);
  });

  it('for a repeated level the highest timestamp <= D wins', () => {
    const diff = chainsFrom({ 100: ['0_100', '1_110', '2_150', '2_120', '2_130'] });
    assert.deepEqual(names(restoreChain(diff, null, 'h_b')), ['0_100', '1_110', '2_150']);
    assert.deepEqual(names(restoreChain(diff, 140, 'h_b')), ['0_100', '1_110', '2_130']);
  });

  it('stops at a gap in the levels', () => {
    const gap = chainsFrom({ 100: ['0_100', '1_110', '3_130', '4_140'] });
    assert.deepEqual(names(restoreChain(gap, null, 'h_b')), ['0_100', '1_110']);
  });

  it('stops at a level not newer than the one below it', () => {
    const stale = chainsFrom({ 100: ['0_100', '1_110', '2_120', '1_130'] });
    assert.deepEqual(names(restoreChain(stale, null, 'h_b')), ['0_100', '1_130']);
  });

  it('throws NoBackupError with the stock message when nothing matches', () => {
    const expected = { name: 'NoBackupError', message: 'No matching backup name "host_bench" found' };
    assert.throws(() => restoreChain([], null, 'host_bench'), expected);
    assert.throws(() => restoreChain(chains, 99, 'host_bench'), expected);
    assert.throws(() => restoreChain(chains, 99, 'host_bench'), NoBackupError);
  });
});
