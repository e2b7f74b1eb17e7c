import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { adminToken, createProject, createTenant, JWT_ENV } from '../helpers/identity';
import { startServer, type RunningServer } from '../helpers/server';
import { compatDir } from '../helpers/shared-dir';

const ROOT = path.resolve(__dirname, '../../..');
const COMPAT = compatDir();
const PACKAGES = ['python3-freezerclient', 'freezer-scheduler', 'python3-freezer', 'jq', 'curl'];

/** Skips the suite, visibly, when shared/ or the Debian packages are not available. */
function needStockTools(ctx: Mocha.Context): void {
  if (!fs.existsSync(path.join(COMPAT, 'client-smoke.sh'))) {
    console.log(`      SKIPPED: ${COMPAT} not found (set PERMAFROST_SHARED)`);
    ctx.skip();
  }
  const install = spawnSync('bash', [path.join(ROOT, 'scripts/debian-packages.sh'), ...PACKAGES], { encoding: 'utf8' });
  if (install.status !== 0) {
    console.log(`      SKIPPED: the stock tools could not be installed: ${install.stderr.trim().slice(-300)}`);
    ctx.skip();
  }
}

/**
 * How many checks each script makes (its `ok`/`bad` calls): a run that passes must have passed
 * them all, so a script that stopped early or lost a step cannot pass with fewer.
 */
const CHECKS: Record<string, number> = { 'client-smoke.sh': 46, 'scheduler-smoke.sh': 22 };

/** The script's own tally: its `  ok   ` and `  FAIL ` lines and its closing "N passed, M failed". */
interface SmokeTally {
  passed: string[];
  failed: string[];
  summary: { passed: number; failed: number } | null;
}

function tally(out: string): SmokeTally {
  const lines = out.split('\n');
  const summary = /: (\d+) passed, (\d+) failed$/m.exec(out);
  return {
    passed: lines.filter((l) => /^ {2}ok {3}/.test(l)),
    failed: lines.filter((l) => /^ {2}FAIL /.test(l)),
    summary: summary ? { passed: Number(summary[1]), failed: Number(summary[2]) } : null,
  };
}

/**
 * Runs a script; passes only when every one of its checks passed. A tolerated stock-tool
 * behaviour skips the test (pending, with the reason logged and in the summary), never a pass.
 */
function smoke(ctx: Mocha.Context, script: string, url: string, env: Record<string, string>, attempt = 1): void {
  const run = spawnSync('bash', [path.join(COMPAT, script), url], { encoding: 'utf8', timeout: 540000, env: { ...process.env, SMOKE_CAPTURE: '0', ...env } });
  const out = `${run.stdout}\n${run.stderr}`;
  const { passed, failed, summary } = tally(out);
  if (endedCompletedAfterStopDuringRun(failed, out)) {
    const reason = 'tolerated: "B: status stop" saw "completed" (the stop reached the stock scheduler during a run, which it ends "completed", spec B.6; no run followed)';
    console.log(`      PENDING: ${script} ${reason}; ${passed.length} of ${CHECKS[script]} checks passed`);
    ctx.test!.title += ` (pending: ${reason})`;
    ctx.skip();
  }
  if (attempt === 1 && isKnownStockRace(failed, out)) {
    console.log(`      RETRY: a race of the stock scheduler or of the smoke script (see isKnownStockRace): ${failed.map((f) => f.trim()).join('; ')}`);
    smoke(ctx, script, url, env, 2);
    return;
  }
  assert.deepEqual(failed, [], out.slice(-3000));
  assert.equal(run.status, 0, out.slice(-3000));
  assert.deepEqual(summary, { passed: CHECKS[script], failed: 0 }, `${script} must pass all its ${CHECKS[script]} checks:\n${out.slice(-3000)}`);
  assert.equal(passed.length, CHECKS[script], `${script} printed ${passed.length} ok lines, expected ${CHECKS[script]}`);
}

/**
 * Spec B.6: "a stop while running ends as completed, not stop". scheduler-smoke asks for `stop`;
 * when the only miss is that check, the job shows `completed` with no event, and the next check
 * proves no run followed, the stock scheduler did what its protocol says.
 */
function endedCompletedAfterStopDuringRun(failed: string[], out: string): boolean {
  return (
    failed.length === 1 &&
    /FAIL B: status stop/.test(failed[0]) &&
    /\| \{[^\n]*"event":"","status":"completed"/.test(out) &&
    /ok {3}B: no runs after stop/.test(out)
  );
}

/**
 * scheduler-smoke's stop checks on the interval job fail when the stop event reaches the stock
 * scheduler while a run is in flight (more likely on a loaded machine): it then ends the job
 * "completed", or its end-of-run PATCH of the whole job_schedule (with its stale event "")
 * overwrites the stop and the job runs on (spec B.6, Finish). That is the stock tool's protocol,
 * not the API, so failures of those checks alone earn one more attempt.
 */
function isStopWhileRunningRace(failed: string[]): boolean {
  return failed.length > 0 && failed.every((f) => /FAIL B: (status stop|no runs after stop)/.test(f));
}

/**
 * The B race above, and one of scheduler-smoke's own: it creates job C (autostart) and attaches
 * it to the session with a second request; a scheduler poll in between runs C before it belongs
 * to the session, so C completes but the session is never started (status active, time_started
 * -1). Either earns one more attempt, logged; anything else fails at once.
 */
function isKnownStockRace(failed: string[], out: string): boolean {
  const sessionRace = /ok {3}C: job completed/.test(out) && /FAIL C: session completed\n\s+\| \{[^\n]*"status":"active"[^\n]*"time_started":-1/.test(out);
  const bFailed = failed.filter((f) => /FAIL B: /.test(f));
  const cFailed = failed.filter((f) => /FAIL C: /.test(f));
  const cIsRace = cFailed.length === 0 || (sessionRace && cFailed.every((f) => /FAIL C: session( completed|\.jobs\[C\])/.test(f)));
  return failed.length > 0 && bFailed.length + cFailed.length === failed.length && (bFailed.length === 0 || isStopWhileRunningRace(bFailed)) && cIsRace;
}

/**
 * The stock tools against Permafrost: shared/compat/client-smoke.sh drives the Debian `freezer`
 * CLI through every resource, scheduler-smoke.sh runs the Debian `freezer-scheduler` (one-shot,
 * interval and session jobs, with real backups).
 */
describe('stock Freezer tools against Permafrost in noauth mode (shared/compat, fake Keystone)', function () {
  this.timeout(600000);
  let server: RunningServer | null = null;
  before(async function () {
    needStockTools(this);
    server = await startServer();
  });
  after(async () => {
    await server?.stop();
  });

  it('client-smoke.sh: the freezer CLI, every step', function () {
    smoke(this, 'client-smoke.sh', (server as RunningServer).url, { OS_AUTH_URL: '' });
  });
  it('scheduler-smoke.sh: the freezer-scheduler registers, runs one-shot, interval and session jobs', function () {
    smoke(this, 'scheduler-smoke.sh', (server as RunningServer).url, { OS_AUTH_URL: '' });
  });
});

/**
 * The same tools logging in to Permafrost's own Keystone v3 subset (auth=jwt): a password login
 * for a token, which the tools then re-authenticate with (token method) and send as X-Auth-Token.
 */
describe('stock Freezer tools against Permafrost with its own /v3 (auth=jwt)', function () {
  this.timeout(600000);
  let server: RunningServer | null = null;
  let env: Record<string, string> = {};
  before(async function () {
    needStockTools(this);
    server = await startServer({ env: JWT_ENV });
    const admin = await adminToken(server.url);
    const projectId = await createProject(server.url, admin, 'smoke');
    const tenant = await createTenant(server.url, admin, { projectId, user: 'smoker', role: 'member' });
    env = { SMOKE_AUTH: 'password', OS_AUTH_URL: `${server.url}/v3`, OS_USERNAME: 'smoker', OS_PASSWORD: tenant.password, OS_PROJECT_ID: projectId };
  });
  after(async () => {
    await server?.stop();
  });

  it('client-smoke.sh: the freezer CLI, every step', function () {
    smoke(this, 'client-smoke.sh', (server as RunningServer).url, env);
  });
  it('scheduler-smoke.sh: the freezer-scheduler, every check', function () {
    smoke(this, 'scheduler-smoke.sh', (server as RunningServer).url, env);
  });
});
