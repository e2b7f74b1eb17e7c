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

  it('a level in the same second as the one below it was not built on it: the list ends there', () => {
    const same = chainsFrom({ 100: ['0_100', '1_100', '2_120'] });
    assert.deepEqual(names(restoreChain(same, null, 'h_b')), ['0_100']);
  });

  it('does not depend on the order chains and backups are given in', () => {
    const newestLast = [
      { t0: 200, backups: [{ t0: 200, level: 1, ts: 250 }, { t0: 200, level: 0, ts: 200 }, { t0: 200, level: 1, ts: 230 }] },
      { t0: 100, backups: [{ t0: 100, level: 0, ts: 100 }] },
    ];
    assert.deepEqual(names(restoreChain(newestLast, null, 'h_b')), ['0_200', '1_250']);
    assert.deepEqual(names(restoreChain(newestLast, 240, 'h_b')), ['0_200', '1_230']);
  });

  it('a chain whose level 0 is newer than the date restores nothing (NoBackupError, not an empty list)', () => {
    const odd = [{ t0: 100, backups: [{ t0: 100, level: 0, ts: 150 }] }];
    assert.throws(() => restoreChain(odd, 120, 'h_b'), NoBackupError);
  });

  it('throws NoBackupError with the stock message when nothing matches', () => {
    const expected = { name: 'NoBackupError', message: 'No matching backup name "host_bench" found' };
    assert.throws(() => restoreChain([], null, 'host_bench'), expected);
    assert.throws(() => restoreChain(chains, 99, 'host_bench'), expected);
    assert.throws(() => restoreChain(chains, 99, 'host_bench'), NoBackupError);
  });
});
