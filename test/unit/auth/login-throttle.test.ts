import assert from 'node:assert/strict';
import { LoginThrottle, MAX_TRACKED, normalizeAddress, type LoginSource } from '../../../src/auth/login-throttle';
import type { LoginThrottleSettings } from '../../../src/config/config';

const SETTINGS: LoginThrottleSettings = { free_failures: 2, source_free_failures: 4, base_delay_ms: 10, max_delay_ms: 40, trust_forwarded_for: false };

interface Logged {
  obj: Record<string, unknown>;
  msg: string;
}

/** A throttle on a hand-moved clock whose waits are recorded instead of spent. */
function harness(settings: Partial<LoginThrottleSettings> = {}) {
  const clock = { t: 1_000_000 };
  const waits: number[] = [];
  const logged: Logged[] = [];
  const throttle = new LoginThrottle(
    { ...SETTINGS, ...settings },
    { warn: (obj, msg) => logged.push({ obj: obj as Record<string, unknown>, msg }) },
    () => clock.t,
    async (ms) => {
      waits.push(ms);
    },
  );
  const from = (address: string, forwardedFor: string | null = null): LoginSource => ({ address, forwardedFor });
  const account = (name: string) => ({ key: `user:${name}`, log: { user: name } });
  /** One attempt whose secret is right (`ok`) or wrong. */
  const attempt = (name: string, ok: boolean, source = from('192.0.2.1')) => throttle.guard(account(name), source, async () => ok);
  return { throttle, clock, waits, logged, from, attempt };
}

describe('LoginThrottle', () => {
  it('lets a few failures pass, then doubles the wait per failure up to the cap (right or wrong guesses alike)', async () => {
    const h = harness();
    for (let i = 0; i < 7; i++) {
      h.clock.t += 1000;
      assert.equal(await h.attempt('a', false), false);
    }
    assert.deepEqual(h.waits, [10, 20, 40, 40, 40]);
    h.clock.t += 1000;
    assert.equal(await h.attempt('a', true), true, 'the right password still gets in, after its wait');
    assert.equal(h.waits.at(-1), 40);
  });

  it('forgets an account\'s failures after a success, or after 15 idle minutes', async () => {
    const h = harness({ source_free_failures: 1000 });
    for (let i = 0; i < 4; i++) await h.attempt('k', false);
    await h.attempt('k', true);
    const before = h.waits.length;
    h.clock.t += 60_000;
    await h.attempt('k', false);
    assert.equal(h.waits.length, before, 'no wait after a success');
    for (let i = 0; i < 4; i++) await h.attempt('k', false);
    h.clock.t += 15 * 60 * 1000 + 1;
    const count = h.waits.length;
    await h.attempt('k', false);
    assert.equal(h.waits.length, count, 'no wait after 15 idle minutes');
  });

  it('counts attempts in flight as failures and queues each wait behind the previous one', async () => {
    const h = harness({ source_free_failures: 1000 });
    // Six concurrent guesses, all started at the same instant: 2 free, then 10, 20, 40, 40 queued.
    const results = await Promise.all(Array.from({ length: 6 }, () => h.attempt('c', false)));
    assert.deepEqual(results, Array(6).fill(false));
    assert.deepEqual(h.waits, [10, 30, 70, 110], 'cumulative: each starts when the previous one\'s wait ended');
    const throttled = h.logged.filter((l) => l.msg === 'login throttled').map((l) => l.obj.delay_ms);
    assert.deepEqual(throttled, [10, 30, 70, 110]);
  });

  it('while an attempt is being checked, the next one already waits for it', async () => {
    const h = harness({ free_failures: 1, source_free_failures: 1000 });
    let release: (ok: boolean) => void = () => undefined;
    const slow = h.throttle.guard({ key: 'user:s', log: {} }, h.from('192.0.2.1'), () => new Promise<boolean>((r) => (release = r)));
    await new Promise((r) => setImmediate(r));
    h.clock.t += 5000;
    const second = h.attempt('s', false);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(h.waits, [10], 'the unresolved first attempt counted as a failure');
    release(true);
    assert.equal(await slow, true);
    await second;
  });

  it('throttles one address spraying many accounts, and not another address', async () => {
    const h = harness();
    for (let i = 0; i < 8; i++) {
      h.clock.t += 1000;
      await h.attempt(`spray-${i}`, false, h.from('198.51.100.7'));
    }
    assert.deepEqual(h.waits, [10, 20, 40, 40]);
    h.clock.t += 1000;
    await h.attempt('spray-0', false, h.from('198.51.100.8'));
    assert.equal(h.waits.length, 4, 'another address is not slowed down');
    // A success on an account of the sprayer's own does not wipe the address's count.
    h.clock.t += 1000;
    await h.attempt('own', true, h.from('198.51.100.7'));
    h.clock.t += 1000;
    await h.attempt('spray-9', false, h.from('198.51.100.7'));
    assert.deepEqual(h.waits.slice(4), [40, 40]);
  });

  it('logs failures and throttling at warn with the account and the address, and nothing else', async () => {
    const h = harness();
    for (let i = 0; i < 3; i++) await h.throttle.guard({ key: 'user:id1', log: { user: 'ann', user_id: 'id1' } }, h.from('::ffff:192.0.2.9'), async () => false);
    const failed = h.logged.filter((l) => l.msg === 'login failed');
    assert.equal(failed.length, 3);
    assert.deepEqual(failed[0].obj, { user: 'ann', user_id: 'id1', source: '192.0.2.9' });
    const throttled = h.logged.filter((l) => l.msg === 'login throttled');
    assert.deepEqual(throttled.map((l) => l.obj), [{ user: 'ann', user_id: 'id1', source: '192.0.2.9', delay_ms: 10 }]);
  });

  it('refuses at once, without checking, an attempt that would queue longer than the limit', async () => {
    const h = harness({ source_free_failures: 1000, max_delay_ms: 10_000, base_delay_ms: 10_000 });
    let checks = 0;
    const guess = () => h.throttle.guard({ key: 'user:q', log: {} }, h.from('192.0.2.1'), async () => (checks++, false));
    const results = await Promise.all(Array.from({ length: 12 }, guess));
    assert.deepEqual(results, Array(12).fill(false));
    // 2 free, then waits of 10, 20, ... 60 s queued; the next would start after more than 60 s.
    assert.deepEqual(h.waits, [10_000, 20_000, 30_000, 40_000, 50_000, 60_000]);
    assert.equal(checks, 8);
    assert.equal(h.logged.filter((l) => l.obj.refused === true).length, 4);
  });

  it('keeps memory bounded however many accounts and addresses are tried', async () => {
    const h = harness({ free_failures: 1000, source_free_failures: 1000 });
    for (let i = 0; i < MAX_TRACKED + 500; i++) {
      h.clock.t += 1;
      await h.attempt(`name-${i}`, false, h.from(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`));
    }
    const { accounts, sources } = h.throttle.tracked();
    assert.ok(accounts <= MAX_TRACKED && sources <= MAX_TRACKED, `${accounts} accounts, ${sources} sources tracked`);
  });

  it('counts an address from X-Forwarded-For only when trusted, and then only the entry the proxy appended', () => {
    const plain = harness();
    assert.equal(plain.throttle.sourceOf(plain.from('127.0.0.1', '203.0.113.5')), '127.0.0.1');
    const proxied = harness({ trust_forwarded_for: true });
    assert.equal(proxied.throttle.sourceOf(proxied.from('127.0.0.1', '6.6.6.6, 203.0.113.5')), '203.0.113.5');
    assert.equal(proxied.throttle.sourceOf(proxied.from('127.0.0.1', 'garbage')), '127.0.0.1', 'not an address: the peer counts');
    assert.equal(proxied.throttle.sourceOf(proxied.from('127.0.0.1', null)), '127.0.0.1');
  });

  it('groups an IPv6 address by its /64, and reads IPv4-mapped and bracketed forms', () => {
    assert.equal(normalizeAddress('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
    assert.equal(normalizeAddress('2001:db8:1:2:bbbb:cccc:dddd:eeee'), '2001:db8:1:2::/64');
    assert.equal(normalizeAddress('2001:db8::5'), '2001:db8:0:0::/64');
    assert.equal(normalizeAddress('::1'), '0:0:0:0::/64');
    assert.equal(normalizeAddress('::ffff:192.0.2.1'), '192.0.2.1');
    assert.equal(normalizeAddress('[2001:db8::1]:443'), '2001:db8:0:0::/64');
    assert.equal(normalizeAddress('192.0.2.1:8080'), '192.0.2.1');
    assert.equal(normalizeAddress('fe80::1%eth0'), 'fe80:0:0:0::/64');
    assert.equal(normalizeAddress('not-an-ip'), null);
  });

  it('waits for real', async () => {
    const t = new LoginThrottle({ ...SETTINGS, base_delay_ms: 60, max_delay_ms: 60 });
    for (let i = 0; i < 2; i++) await t.guard({ key: 'k', log: {} }, { address: '192.0.2.1', forwardedFor: null }, async () => false);
    const start = Date.now();
    await t.guard({ key: 'k', log: {} }, { address: '192.0.2.1', forwardedFor: null }, async () => false);
    assert.ok(Date.now() - start >= 55);
  });
});
