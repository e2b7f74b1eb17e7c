import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, type RunningServer } from '../helpers/server';

const ROOT = path.resolve(__dirname, '../../..');
const COMPAT = process.env.PERMAFROST_SHARED ? path.join(process.env.PERMAFROST_SHARED, 'compat') : path.resolve(ROOT, '../shared/compat');
const PACKAGES = ['python3-freezerclient', 'freezer-scheduler', 'python3-freezer', 'jq', 'curl'];

/**
 * The stock tools against Permafrost: shared/compat/client-smoke.sh drives the Debian `freezer`
 * CLI through every resource, scheduler-smoke.sh runs the Debian `freezer-scheduler` (one-shot,
 * interval and session jobs, with real backups). Skipped, visibly, when shared/ or the Debian
 * packages are not available.
 */
describe('stock Freezer tools against Permafrost (shared/compat)', function () {
  this.timeout(600000);
  let server: RunningServer | null = null;

  before(async function () {
    if (!fs.existsSync(path.join(COMPAT, 'client-smoke.sh'))) {
      console.log(`      SKIPPED: ${COMPAT} not found (set PERMAFROST_SHARED)`);
      this.skip();
    }
    const install = spawnSync('bash', [path.join(ROOT, 'scripts/debian-packages.sh'), ...PACKAGES], { encoding: 'utf8' });
    if (install.status !== 0) {
      console.log(`      SKIPPED: the stock tools could not be installed: ${install.stderr.trim().slice(-300)}`);
      this.skip();
    }
    server = await startServer();
  });
  after(async () => {
    await server?.stop();
  });

  const smoke = (script: string) => {
    const run = spawnSync('bash', [path.join(COMPAT, script), (server as RunningServer).url], {
      encoding: 'utf8',
      timeout: 540000,
      env: { ...process.env, OS_AUTH_URL: '' },
    });
    const out = `${run.stdout}\n${run.stderr}`;
    const failed = out.split('\n').filter((l) => /^\s+FAIL /.test(l));
    assert.deepEqual(failed, [], out.slice(-3000));
    assert.equal(run.status, 0, out.slice(-3000));
    assert.match(out, /: \d+ passed, 0 failed/);
  };

  it('client-smoke.sh: the freezer CLI, every step', () => smoke('client-smoke.sh'));
  it('scheduler-smoke.sh: the freezer-scheduler registers, runs one-shot, interval and session jobs', () => smoke('scheduler-smoke.sh'));
});
