import assert from 'node:assert/strict';
import { NO_CUTOFF_MESSAGE, cutoffOf, planRetention } from '../../../../src/engine/chain';
import { chainsFrom } from './helpers';

const DAY = 86400;

describe('retention (engine/chain/plan-retention.ts)', () => {
  const t0s = (list: { t0: number }[]) => list.map((c) => c.t0);

  it('removes whole chains whose level 0 is at or before the cutoff', () => {
    const chains = chainsFrom({ 100: ['0_100', '1_110'], 200: ['0_200'], 300: ['0_300'], 400: ['0_400'] });
    const plan = planRetention(chains, 300);
    assert.deepEqual(t0s(plan.remove), [100, 200, 300]);
    assert.deepEqual(t0s(plan.keep), [400]);
  });

  it('keeps a chain any of whose backups is newer than the cutoff', () => {
    const chains = chainsFrom({ 100: ['0_100', '1_110'], 200: ['0_200', '1_260'], 500: ['0_500'] });
    const plan = planRetention(chains, 250);
    assert.deepEqual(t0s(plan.remove), [100]);
    assert.deepEqual(t0s(plan.keep), [200, 500]);
  });

  it('never removes the newest chain, even when it is entirely old', () => {
    const chains = chainsFrom({ 100: ['0_100'], 200: ['0_200', '1_210'] });
    const plan = planRetention(chains, 1000);
    assert.deepEqual(t0s(plan.remove), [100]);
    assert.deepEqual(t0s(plan.keep), [200]);
    assert.deepEqual(planRetention([], 1000), { remove: [], keep: [] });
  });

  it('cutoff from remove_older_than days (number or string)', () => {
    const now = 10 * DAY;
    assert.equal(cutoffOf({ removeOlderThan: 3, now }), 7 * DAY);
    assert.equal(cutoffOf({ removeOlderThan: '0.5', now }), now - DAY / 2);
    assert.equal(cutoffOf({ removeOlderThan: 1, removeFromDate: '', now }), 9 * DAY);
  });

  it('cutoff from remove_from_date (local ISO or epoch), which wins over remove_older_than', () => {
    const local = Math.floor(new Date(2025, 2, 4, 5, 6, 7).getTime() / 1000);
    assert.equal(cutoffOf({ removeFromDate: '2025-03-04T05:06:07', removeOlderThan: 3, now: 0 }), local);
    assert.equal(cutoffOf({ removeFromDate: 1_700_000_000, now: 0 }), 1_700_000_000);
    assert.equal(cutoffOf({ removeFromDate: '1700000000', now: 0 }), 1_700_000_000);
  });

  it('cutoff errors are clear', () => {
    for (const removeOlderThan of [undefined, null, '', 0, '0']) {
      assert.throws(() => cutoffOf({ removeOlderThan, now: 0 }), { message: NO_CUTOFF_MESSAGE });
    }
    assert.throws(() => cutoffOf({ removeOlderThan: 'week', now: 0 }), /Invalid value for remove_older_than/);
    assert.throws(() => cutoffOf({ removeOlderThan: -1, now: 0 }), /remove_older_than/);
    for (const bad of ['2025-02-30T00:00:00', '2025-03-04 05:06:07', '2025-03-04', 'yesterday', '2025-03-04T25:00:00']) {
      assert.throws(() => cutoffOf({ removeFromDate: bad, now: 0 }), /Invalid value for remove_from_date/, bad);
    }
  });
});
