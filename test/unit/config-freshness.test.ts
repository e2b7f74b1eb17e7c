import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/config';

describe('loadConfig: freshness.*', () => {
  it('defaults: 3600 s grace, no grace factor, a sweep every 30 s, silent after 300 s', () => {
    assert.deepEqual(loadConfig({}, {}).freshness, { grace_seconds: 3600, grace_factor: 0, sweep_seconds: 30, silent_after: 300 });
  });

  it('reads the file and the environment (PERMAFROST_FRESHNESS_*, the factor may have a fraction)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-config-'));
    try {
      const file = path.join(dir, 'c.yaml');
      fs.writeFileSync(file, 'freshness:\n  grace_factor: 0.25\n  silent_after: 120\n');
      const c = loadConfig({ config: file }, { PERMAFROST_FRESHNESS_GRACE_SECONDS: '60', PERMAFROST_FRESHNESS_SWEEP_SECONDS: '5' });
      assert.deepEqual(c.freshness, { grace_seconds: 60, grace_factor: 0.25, sweep_seconds: 5, silent_after: 120 });
      assert.equal(loadConfig({}, { PERMAFROST_FRESHNESS_GRACE_FACTOR: '1.5' }).freshness.grace_factor, 1.5);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses bad values and unknown keys, naming them', () => {
    assert.throws(
      () => loadConfig({}, { PERMAFROST_FRESHNESS_SWEEP_SECONDS: '0', PERMAFROST_FRESHNESS_SILENT_AFTER: 'soon', PERMAFROST_FRESHNESS_GRACE_FACTOR: '-1' }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        const text = err.problems.join('\n');
        assert.match(text, /freshness\.sweep_seconds|freshness\/sweep_seconds|sweep_seconds/);
        assert.match(text, /silent_after/);
        assert.match(text, /grace_factor/);
        return true;
      },
    );
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-config-'));
    try {
      const file = path.join(dir, 'c.yaml');
      fs.writeFileSync(file, 'freshness:\n  grace: 10\n');
      assert.throws(() => loadConfig({ config: file }, {}), (err: unknown) => err instanceof ConfigError && /grace/.test(err.problems.join('\n')));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
