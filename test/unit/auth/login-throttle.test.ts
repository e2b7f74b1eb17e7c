import assert from 'node:assert/strict';
import { LoginThrottle } from '../../../src/auth/login-throttle';

describe('LoginThrottle', () => {
  let now = 0;
  const throttle = () => new LoginThrottle(100, 1000, () => now);

  it('lets a few failures pass, then doubles the wait per failure up to the cap', () => {
    const t = throttle();
    const delays = [];
    for (let i = 0; i < 9; i++) {
      delays.push(t.delayFor('user:a'));
      t.failed('user:a');
    }
    assert.deepEqual(delays, [0, 0, 0, 100, 200, 400, 800, 1000, 1000]);
    assert.equal(t.delayFor('user:b'), 0, 'per account');
  });

  it('forgets failures after a success, or after 15 idle minutes', () => {
    const t = throttle();
    for (let i = 0; i < 5; i++) t.failed('k');
    assert.equal(t.delayFor('k'), 400);
    t.succeeded('k');
    assert.equal(t.delayFor('k'), 0);
    for (let i = 0; i < 5; i++) t.failed('k');
    now += 15 * 60 * 1000 + 1;
    assert.equal(t.delayFor('k'), 0);
    t.failed('k');
    assert.equal(t.delayFor('k'), 0, 'the count starts again');
  });

  it('waits for real', async () => {
    const t = new LoginThrottle(30, 1000);
    for (let i = 0; i < 4; i++) t.failed('k');
    const start = Date.now();
    await t.wait('k');
    assert.ok(Date.now() - start >= 55);
  });
});
