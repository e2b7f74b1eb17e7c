import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { adminToken, createProject, createTenant, JWT_ENV, login, passwordAuth, type Tenant } from '../helpers/identity';
import { request } from '../helpers/http';
import { useServer, type RunningServer } from '../helpers/server';

/**
 * Shorter delays than the defaults so the suite is quick (the throttle's delays are ordinary
 * settings), yet well above the cost of one scrypt check on a loaded machine (a few hundred ms),
 * so that an unthrottled server could not pass by being slow.
 */
const THROTTLE = { free_failures: 2, source_free_failures: 3, base_delay_ms: 500, max_delay_ms: 1000 };

/** The wait before an attempt that follows `failures` failures (the documented schedule). */
function delayAfter(failures: number, free: number): number {
  return failures < free ? 0 : Math.min(THROTTLE.max_delay_ms, THROTTLE.base_delay_ms * 2 ** (failures - free));
}

/** Timers may fire a hair early against Date.now(); allow a few ms per measured batch. */
const SLACK_MS = 25;

const configDirs: string[] = [];

function configFile(extra: Record<string, unknown>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-throttle-'));
  configDirs.push(dir);
  const file = path.join(dir, 'permafrost.json');
  // YAML is a superset of JSON: the config loader reads this as is.
  fs.writeFileSync(file, JSON.stringify({ login_throttle: { ...THROTTLE, ...extra } }));
  return file;
}

const guess = () => `guess-${crypto.randomBytes(6).toString('hex')}`;

/** Login attempt from `source` (as a trusted proxy would report it), wrong or right. */
function attempt(url: string, user: string, password: string, source?: string) {
  return request(`${url}/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(source ? { 'X-Forwarded-For': `10.9.9.9, ${source}` } : {}) },
    body: { auth: passwordAuth(user, password) },
  });
}

/**
 * One wrong guess on each of `accounts` accounts, one after the other: each attempt past the
 * address's free failures must wait at least its delay (one scrypt check alone takes far less).
 */
async function spray(url: string, prefix: string, accounts: number, source: (i: number) => string, guesses: string[]): Promise<void> {
  const slow: string[] = [];
  for (let i = 0; i < accounts; i++) {
    const g = guess();
    guesses.push(g);
    const start = Date.now();
    const res = await attempt(url, `${prefix}-${i}`, g, source(i));
    const ms = Date.now() - start;
    assert.equal(res.status, 401, res.text);
    const wait = delayAfter(i, THROTTLE.source_free_failures);
    if (ms < wait - SLACK_MS) slow.push(`guess ${i + 1} took ${ms} ms, its delay is ${wait} ms`);
  }
  assert.deepEqual(slow, [], `spraying ${accounts} accounts from one address:\n${slow.join('\n')}`);
}

interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

function logLines(server: RunningServer): LogLine[] {
  return server
    .logs()
    .split('\n')
    .filter((l) => l.startsWith('{') && l.endsWith('}'))
    .map((l) => JSON.parse(l) as LogLine);
}

/**
 * The server's log lines once `ready` holds for them: a line is written before its response is
 * sent, but the server's stdout pipe may reach this process a moment after the response does.
 */
async function settledLogLines(server: RunningServer, ready: (lines: LogLine[]) => boolean): Promise<LogLine[]> {
  const deadline = Date.now() + 3000;
  let lines = logLines(server);
  while (!ready(lines) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    lines = logLines(server);
  }
  return lines;
}

describe('trust 7: the login throttle (auth=jwt)', function () {
  this.timeout(120000);
  after(() => {
    for (const dir of configDirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('behind a trusted proxy (login_throttle.trust_forwarded_for: true)', () => {
    const server = useServer({ env: { ...JWT_ENV, PERMAFROST_CONFIG: configFile({ trust_forwarded_for: true }) } });
    let url: string;
    let victim: Tenant;
    const guesses: string[] = [];

    before(async () => {
      url = server().url;
      const admin = await adminToken(url);
      const project = await createProject(url, admin, 'throttle');
      victim = await createTenant(url, admin, { projectId: project, user: 'throttle-victim', role: 'member' });
    });

    it('trust 7: concurrent guesses on one account take at least the sum of their delays (in-flight attempts count as failures)', async () => {
      const n = 8;
      let expected = 0;
      for (let i = 0; i < n; i++) expected += delayAfter(i, THROTTLE.free_failures);
      const batch = Array.from({ length: n }, guess);
      guesses.push(...batch);
      const start = Date.now();
      const answers = await Promise.all(batch.map((g) => attempt(url, victim.userName, g, '198.51.100.1')));
      const elapsed = Date.now() - start;
      assert.deepEqual(answers.map((a) => a.status), Array(n).fill(401));
      assert.equal(new Set(answers.map((a) => a.text)).size, 1);
      assert.ok(elapsed >= expected - SLACK_MS, `${n} concurrent guesses finished in ${elapsed} ms; the throttle's delays add up to ${expected} ms`);
      // The owner, from elsewhere, still gets in (after the account's delay): it is a delay, not a lock.
      const right = await attempt(url, victim.userName, victim.password, '198.51.100.50');
      assert.equal(right.status, 201, right.text);
    });

    it('trust 7: spraying one guess each over many accounts from one address is throttled by that address', async () => {
      await spray(url, 'spray', 7, () => '198.51.100.2', guesses);
      // Another address is not held back by this one: it is never throttled.
      const other = guess();
      guesses.push(other);
      assert.equal((await attempt(url, 'spray-0', other, '198.51.100.3')).status, 401);
      const lines = await settledLogLines(server(), (ls) => ls.some((l) => l.msg === 'login failed' && l.source === '198.51.100.3'));
      const throttledSources = lines.filter((l) => l.msg === 'login throttled').map((l) => l.source);
      assert.ok(throttledSources.includes('198.51.100.2'));
      assert.equal(throttledSources.includes('198.51.100.3'), false);
    });

    it('trust 7: failed logins and throttling are logged at warn with the user and the source, never the secret', async () => {
      const lines = await settledLogLines(server(), (ls) => ls.filter((l) => l.msg === 'login failed').length >= 8 + 7 + 1);
      const failed = lines.filter((l) => l.msg === 'login failed');
      const throttled = lines.filter((l) => l.msg === 'login throttled');
      assert.ok(failed.length >= 8 + 7 + 1, `only ${failed.length} failed logins logged`);
      for (const l of [...failed, ...throttled]) assert.equal(l.level, 40, JSON.stringify(l));
      assert.ok(failed.some((l) => l.user === 'throttle-victim' && l.user_id === victim.userId && l.source === '198.51.100.1'), 'a failure on an existing account names it');
      assert.ok(failed.some((l) => l.user === 'spray-5' && l.source === '198.51.100.2'), 'a failure on an unknown name names what was tried');
      assert.ok(throttled.some((l) => l.user === 'throttle-victim' && l.source === '198.51.100.1' && typeof l.delay_ms === 'number' && l.delay_ms > 0));
      const logs = server().logs();
      for (const secret of [...guesses, victim.password, victim.token]) assert.equal(logs.includes(secret), false, `a secret reached the logs: ${secret.slice(0, 8)}...`);
      // The proxy's own hop (10.9.9.9) is not the source: the address the proxy appended is.
      assert.equal(failed.some((l) => l.source === '10.9.9.9'), false);
    });
  });

  describe('not behind a trusted proxy (the default)', () => {
    const server = useServer({ env: { ...JWT_ENV, PERMAFROST_CONFIG: configFile({}) } });

    it('trust 7: X-Forwarded-For is ignored, so a sprayer cannot dodge the per-address limit by forging it', async () => {
      const url = server().url;
      const accounts = 7;
      await spray(url, 'forger', accounts, (i) => `203.0.113.${i + 1}`, []);
      const failed = (await settledLogLines(server(), (ls) => ls.filter((l) => l.msg === 'login failed').length >= accounts)).filter((l) => l.msg === 'login failed');
      assert.ok(failed.length >= accounts, `${failed.length} failed logins logged`);
      for (const l of failed) assert.equal(l.source, '127.0.0.1', JSON.stringify(l));
      // A delay, not a lock: the right password still logs in from that address.
      const admin = await login(url, passwordAuth('admin', JWT_ENV.PERMAFROST_ADMIN_PASSWORD, { name: 'admin' }));
      assert.equal(admin.status, 201);
    });
  });
});
