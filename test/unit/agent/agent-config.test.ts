import assert from 'node:assert/strict';
import { loadAgentConfig } from '../../../src/config/agent-config';
import { ConfigError } from '../../../src/config/config';

describe('trust 12: allowed_paths in the agent configuration (config/agent-config.ts)', () => {
  const env = { PERMAFROST_AGENT_API_URL: 'http://127.0.0.1:1', OS_TOKEN: 't', OS_PROJECT_ID: 'p' };

  it('is no limit by default, a PATH-like list from the environment or the flag, normalised', () => {
    assert.equal(loadAgentConfig({}, env).allowed_paths, null);
    assert.deepEqual(loadAgentConfig({}, { ...env, PERMAFROST_AGENT_ALLOWED_PATHS: '/srv/:/var/backups/../backups' }).allowed_paths, ['/srv/', '/var/backups']);
    assert.deepEqual(loadAgentConfig({ allowedPaths: '/data' }, { ...env, PERMAFROST_AGENT_ALLOWED_PATHS: '/srv' }).allowed_paths, ['/data']);
  });

  it('refuses a relative path', () => {
    assert.throws(() => loadAgentConfig({ allowedPaths: '/srv:backups' }, env), (err: unknown) => err instanceof ConfigError && /allowed_paths \(from --allowed-paths\): item 2, "backups" is not valid: expected a list of absolute paths/.test(err.message));
  });
});
