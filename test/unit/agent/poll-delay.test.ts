import assert from 'node:assert/strict';
import { MAX_BACKOFF_MS, pollDelay } from '../../../src/agent/poll-delay';

/** A random source that always answers `r`: pins the jitter factor to 0.75 + r / 2. */
const fixed = (r: number) => () => r;
/** The jitter factor 1.0: the backoff itself, unjittered. */
const middle = fixed(0.5);
/** The largest double below 1, the highest value Math.random can return. */
const BELOW_ONE = 1 - Number.EPSILON / 2;

describe('agent poll delay: backoff after failures (agent/poll-delay.ts)', () => {
  it('is the poll interval while polls work, whatever the random source says', () => {
    assert.equal(pollDelay(0, 60, fixed(0)), 60_000);
    assert.equal(pollDelay(0, 0.2, fixed(BELOW_ONE)), 200);
  });

  it('doubles per failure from the poll interval', () => {
    const delays = [1, 2, 3, 4, 5].map((failures) => pollDelay(failures, 5, middle));
    assert.deepEqual(delays, [5_000, 10_000, 20_000, 40_000, 80_000]);
  });

  it('starts from 1 s when the poll interval is shorter, so a tiny interval does not hammer a failing API', () => {
    const delays = [1, 2, 3, 4].map((failures) => pollDelay(failures, 0.1, middle));
    assert.deepEqual(delays, [1_000, 2_000, 4_000, 8_000]);
  });

  it('is capped at MAX_BACKOFF_MS (5 min), even after a very long outage', () => {
    assert.equal(MAX_BACKOFF_MS, 300_000);
    // 60 s interval: 60, 120, 240 s, then the cap instead of 480 s.
    assert.deepEqual([1, 2, 3, 4, 5].map((f) => pollDelay(f, 60, middle)), [60_000, 120_000, 240_000, 300_000, 300_000]);
    assert.equal(pollDelay(10_000, 60, middle), MAX_BACKOFF_MS);
    assert.equal(pollDelay(10_000, 1, middle), MAX_BACKOFF_MS);
  });

  it('jitters within 0.75x..1.25x: 0.75x at random 0, up to 1.25x at random just under 1', () => {
    for (const [failures, interval, backoff] of [[1, 5, 5_000], [3, 1, 4_000], [20, 60, MAX_BACKOFF_MS]]) {
      assert.equal(pollDelay(failures, interval, fixed(0)), backoff * 0.75, `failures ${failures}: lower bound`);
      // 0.75 + r * 0.5 for the largest r below 1 rounds to exactly 1.25 in doubles: the top is
      // reached (never passed) by the highest value Math.random can return.
      const top = pollDelay(failures, interval, fixed(BELOW_ONE));
      assert.ok(top <= backoff * 1.25 && top > backoff * 1.25 - 1e-6, `failures ${failures}: ${top} must reach 1.25x and no more`);
      const nearTop = pollDelay(failures, interval, fixed(0.999));
      assert.ok(nearTop < backoff * 1.25 && nearTop > backoff * 1.2494, `failures ${failures}: ${nearTop} just below 1.25x`);
    }
  });

  it('jitters for real with the default random source: spread over the range, not one value', () => {
    const backoff = 4_000;
    const delays = Array.from({ length: 400 }, () => pollDelay(3, 1));
    for (const d of delays) assert.ok(d >= backoff * 0.75 && d <= backoff * 1.25, `${d} out of range`);
    assert.ok(new Set(delays).size > 300, 'delays must differ from one another');
    // With 400 uniform draws, missing either outer tenth of the range has odds of about 0.8^400.
    assert.ok(Math.min(...delays) < backoff * 0.85, `lowest ${Math.min(...delays)} never near 0.75x`);
    assert.ok(Math.max(...delays) > backoff * 1.15, `highest ${Math.max(...delays)} never near 1.25x`);
  });
});
