import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../src/config/config';

describe('config: events.* and webhooks.*', () => {
  it('has documented defaults', () => {
    const c = loadConfig({}, {});
    assert.deepEqual(c.events, { keep_days: 30, max_per_project: 100_000, poll_ms: 250, keepalive_s: 15, prune_interval_s: 60 });
    assert.deepEqual(c.webhooks, { max_attempts: 8, base_delay_ms: 10_000, max_delay_ms: 3_600_000, timeout_ms: 10_000, poll_ms: 1000, concurrency: 4, allow_private_targets: false });
  });

  it('reads the environment (numbers and the private-targets switch)', () => {
    const c = loadConfig({}, { PERMAFROST_EVENTS_KEEP_DAYS: '7', PERMAFROST_WEBHOOKS_BASE_DELAY_MS: '250', PERMAFROST_WEBHOOKS_ALLOW_PRIVATE_TARGETS: 'true', PERMAFROST_EVENTS_KEEPALIVE_S: '1' });
    assert.equal(c.events.keep_days, 7);
    assert.equal(c.events.keepalive_s, 1);
    assert.equal(c.webhooks.base_delay_ms, 250);
    assert.equal(c.webhooks.allow_private_targets, true);
    assert.equal(c.webhooks.max_attempts, 8, 'the others keep their defaults');
  });

  it('names bad values and unknown keys', () => {
    assert.throws(() => loadConfig({}, { PERMAFROST_WEBHOOKS_MAX_ATTEMPTS: '0' }), (e: unknown) => e instanceof ConfigError && /webhooks/.test(e.message) && /max_attempts/.test(e.message));
    assert.throws(() => loadConfig({}, { PERMAFROST_EVENTS_POLL_MS: 'soon' }), (e: unknown) => e instanceof ConfigError && /poll_ms/.test(e.message));
  });
});
