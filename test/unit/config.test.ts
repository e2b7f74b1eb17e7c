import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/config';

describe('loadConfig', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-config-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const file = (name: string, text: string) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, text);
    return p;
  };

  it('has working defaults: embedded SQLite in ./data, 127.0.0.1:9090, jwt auth, 512 KiB bodies', () => {
    const c = loadConfig({}, {});
    assert.equal(c.bind, '127.0.0.1:9090');
    assert.equal(c.auth, 'jwt');
    assert.equal(c.jwt.algorithm, 'HS256');
    assert.equal(c.jwt.ttl_s, 3600);
    assert.equal(c.enforce_project_scope, true);
    assert.equal(c.data_dir, path.resolve('data'));
    assert.equal(c.database, `sqlite:${path.resolve('data', 'permafrost.db')}`);
    assert.equal(c.body_limit, 512 * 1024);
    assert.deepEqual(c.limits, { max_keys: 5000, max_depth: 16, max_string_length: 65536, max_array_items: 10000 });
    assert.equal(c.strict_freezer_action, true);
    assert.deepEqual(c.api_versions, ['v1', 'v2']);
    assert.deepEqual(c.noauth, { user_id: 'noauth-user', user_name: 'noauth-user', project_id: 'noauth-project', roles: ['member'] });
  });

  it('has login throttle and cloud admin settings, checked like the rest', () => {
    const c = loadConfig({}, {});
    assert.deepEqual(c.login_throttle, { free_failures: 3, source_free_failures: 30, base_delay_ms: 250, max_delay_ms: 10_000, trust_forwarded_for: false });
    assert.equal(c.cloud_admin_project, null);
    assert.equal(loadConfig({}, { PERMAFROST_CLOUD_ADMIN_PROJECT: 'ops' }).cloud_admin_project, 'ops');
    const tuned = loadConfig({ config: file('throttle.yaml', 'login_throttle:\n  base_delay_ms: 50\n  max_delay_ms: 100\n  trust_forwarded_for: true\n') }, {});
    assert.deepEqual(tuned.login_throttle, { free_failures: 3, source_free_failures: 30, base_delay_ms: 50, max_delay_ms: 100, trust_forwarded_for: true });
    const bad = file('bad-throttle.yaml', 'login_throttle:\n  base_delay_ms: 500\n  max_delay_ms: 100\n  free_failure: 2\n');
    assert.throws(
      () => loadConfig({ config: bad }, {}),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        const text = err.problems.join('\n');
        assert.match(text, /free_failure/);
        assert.match(text, /login_throttle\.max_delay_ms: 100 is less than login_throttle\.base_delay_ms \(500\): expected the longest delay, at least the first one/);
        return true;
      },
    );
  });

  it('layers file < environment < flags', () => {
    const f = file('layers.yaml', 'bind: 127.0.0.1:1111\nlog_level: debug\nbody_limit: 2048\nnoauth:\n  user_id: fromfile\n');
    const env = { PERMAFROST_BIND: '127.0.0.1:2222', PERMAFROST_NOAUTH_ROLES: 'admin, member' };
    const c = loadConfig({ config: f, bind: '127.0.0.1:3333', bodyLimit: '1mb' }, env);
    assert.equal(c.bind, '127.0.0.1:3333');
    assert.equal(c.log_level, 'debug', 'file value survives where nothing overrides it');
    assert.equal(c.body_limit, 1024 * 1024);
    assert.equal(c.noauth.user_id, 'fromfile');
    assert.equal(c.noauth.user_name, 'fromfile');
    assert.deepEqual(c.noauth.roles, ['admin', 'member']);
    assert.equal(loadConfig({ config: f }, env).bind, '127.0.0.1:2222');
  });

  it('reads the file named by PERMAFROST_CONFIG, and the database URL from the environment', () => {
    const f = file('env.yaml', 'data_dir: /tmp/elsewhere\n');
    const c = loadConfig({}, { PERMAFROST_CONFIG: f, PERMAFROST_DATABASE: 'sqlite:/tmp/x.db' });
    assert.equal(c.data_dir, '/tmp/elsewhere');
    assert.equal(c.database, 'sqlite:/tmp/x.db');
  });

  it('lists every problem at once', () => {
    const f = file('bad.yaml', 'bind: nowhere\ncolour: blue\nsqlite:\n  synchronous: SOMETIMES\n');
    assert.throws(
      () => loadConfig({ config: f, auth: 'magic', bodyLimit: 'lots' }, { PERMAFROST_DATABASE: 'postgres://x' }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        const text = err.problems.join('\n');
        for (const needle of ['bind', 'colour: unknown setting', 'sqlite.synchronous', 'auth', 'body_limit', 'database']) {
          assert.match(text, new RegExp(needle), `missing problem about ${needle} in:\n${text}`);
        }
        return true;
      },
    );
  });

  it('trust 3: __proto__ and constructor in a config file are unknown settings, not a prototype for the configuration', () => {
    const f = file('proto.yaml', '__proto__:\n  auth: noauth\n  body_limit: 2048\nconstructor:\n  prototype: 1\nnoauth:\n  __proto__:\n    roles: [admin]\n');
    assert.throws(
      () => loadConfig({ config: f }, {}),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        const text = err.problems.join('\n');
        assert.match(text, /^__proto__: unknown setting$/m);
        assert.match(text, /^constructor: unknown setting$/m);
        assert.match(text, /^noauth\.__proto__: unknown setting$/m);
        return true;
      },
    );
    assert.equal(({} as Record<string, unknown>).auth, undefined);
  });

  it('trust 9: the document limits come from the file, the environment (PERMAFROST_MAX_*) and are checked', () => {
    const f = file('limits.yaml', 'limits:\n  max_keys: 100\n  max_depth: 8\n');
    const c = loadConfig({ config: f }, { PERMAFROST_MAX_DEPTH: '6', PERMAFROST_MAX_STRING_LENGTH: '1024', PERMAFROST_MAX_ARRAY_ITEMS: '50' });
    assert.deepEqual(c.limits, { max_keys: 100, max_depth: 6, max_string_length: 1024, max_array_items: 50 });
    assert.throws(
      () => loadConfig({ config: file('bad-limits.yaml', 'limits:\n  max_keys: many\n  max_depht: 3\n') }, {}),
      (err: unknown) => err instanceof ConfigError && /limits\.max_keys/.test(err.message) && /limits\.max_depht: unknown setting; did you mean limits\.max_depth\?/.test(err.message),
    );
  });

  it('refuses several workers on an in-memory database', () => {
    assert.throws(() => loadConfig({ database: 'sqlite::memory:', workers: '2' }, {}), /workers \(from --workers\): 2 processes cannot share an in-memory database/);
    assert.equal(loadConfig({ database: 'sqlite::memory:', workers: '1' }, {}).workers, 1);
    assert.equal(loadConfig({ workers: 'auto' }, {}).workers >= 1, true);
  });

  it('says clearly when the config file is missing or not YAML', () => {
    assert.throws(() => loadConfig({ config: path.join(dir, 'nope.yaml') }, {}), /nope\.yaml: not found \(given by --config\)/);
    const f = file('broken.yaml', 'bind: [unclosed\n');
    assert.throws(() => loadConfig({ config: f }, {}), /broken\.yaml/);
    const g = file('list.yaml', '- a\n- b\n');
    assert.throws(() => loadConfig({ config: g }, {}), /holds a list, not a mapping of settings/);
  });

  it('metrics: no metrics_bind by default (metrics only on the API address, with a token); metrics_bind and the series cap are checked', () => {
    const c = loadConfig({}, {});
    assert.equal(c.metrics_bind, null);
    assert.equal(c.metrics_series_limit, 1000);
    const set = loadConfig({ metricsBind: '127.0.0.1:9091' }, { PERMAFROST_METRICS_SERIES_LIMIT: '50' });
    assert.equal(set.metrics_bind, '127.0.0.1:9091');
    assert.equal(set.metrics_series_limit, 50);
    assert.throws(() => loadConfig({}, { PERMAFROST_METRICS_BIND: '127.0.0.1:9090' }), (e: ConfigError) => /metrics_bind \(from PERMAFROST_METRICS_BIND\): "127\.0\.0\.1:9090" is the API address \(bind\)/.test(e.message));
    assert.throws(() => loadConfig({}, { PERMAFROST_METRICS_BIND: 'nowhere' }), (e: ConfigError) => /metrics_bind/.test(e.message));
    assert.throws(() => loadConfig({}, { PERMAFROST_METRICS_SERIES_LIMIT: '0' }), (e: ConfigError) => /metrics_series_limit/.test(e.message));
  });
});
