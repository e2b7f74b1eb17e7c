import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startAgent, waitFor, type RunningAgent } from '../helpers/agent';
import { ensureEngineTools } from '../helpers/engine';
import { tarArchive, tarFile, tarMember, writeLevel } from '../helpers/tar-bytes';
import type { Api } from '../helpers/http';
import { adminToken, createProject, createTenant, JWT_ENV, v3 } from '../helpers/identity';
import { freePort, startServer, type RunningServer } from '../helpers/server';

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const ENTRY = path.resolve(__dirname, '../../src/bin/permafrost.js');
const modeOf = (p: string) => fs.statSync(p).mode & 0o777;

/** Every file and directory under `root` with its mode. */
function modesUnder(root: string): Array<{ path: string; dir: boolean; mode: number }> {
  return (fs.readdirSync(root, { recursive: true }) as string[]).map((rel) => {
    const st = fs.lstatSync(path.join(root, rel));
    return { path: rel, dir: st.isDirectory(), mode: st.mode & 0o777 };
  });
}

/** A script named `name` that writes its environment to `dumpDir/<name>.<pid>`, then runs the real program. */
function envSpy(binDir: string, dumpDir: string, name: string): void {
  const real = execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
  fs.writeFileSync(path.join(binDir, name), `#!/bin/sh\nenv > ${dumpDir}/${name}.$$\nexec ${real} "$@"\n`, { mode: 0o755 });
}

/**
 * A real agent against a real Permafrost (jwt), logging in with a client-limited application
 * credential, started with umask 000, an allowed_paths list, a log file, and tar and zstd
 * wrapped so that the environment they receive can be read afterwards.
 */
describe('trust: what a job can make the agent do (real agent, real server)', function () {
  this.timeout(120_000);
  let server: RunningServer;
  let agent: RunningAgent;
  let owner: Api;
  let work = '';
  let secret = '';
  const clientId = 'trusthost';
  const dirs = () => ({
    allowed: path.join(work, 'allowed'), outside: path.join(work, 'outside'), jobs: path.join(work, 'jobs'),
    log: path.join(work, 'logs', 'agent.log'), dumps: path.join(work, 'dumps'), bin: path.join(work, 'bin'),
  });
  const logs = () => (fs.existsSync(dirs().log) ? fs.readFileSync(dirs().log, 'utf8') : '') + agent.logs();

  before(async () => {
    ensureEngineTools();
    work = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-agent-trust-')));
    const d = dirs();
    for (const dir of [d.allowed, d.outside, d.dumps, d.bin]) fs.mkdirSync(dir, { recursive: true });
    fs.mkdirSync(path.join(d.allowed, 'src', 'sub'), { recursive: true });
    fs.writeFileSync(path.join(d.allowed, 'src', 'sub', 'file.txt'), 'allowed data\n');
    fs.writeFileSync(path.join(d.outside, 'root-only.txt'), 'not for job authors\n', { mode: 0o600 });
    fs.symlinkSync(d.outside, path.join(d.allowed, 'escape'));
    // An earlier version left a world-readable cache with a password in it.
    fs.mkdirSync(d.jobs, { mode: 0o755 });
    fs.chmodSync(d.jobs, 0o755);
    fs.writeFileSync(path.join(d.jobs, 'job_old.conf'), JSON.stringify({ job_id: 'old', job_actions: [{ freezer_action: { ssh_password: 'old-clear-pw' } }] }), { mode: 0o644 });
    fs.chmodSync(path.join(d.jobs, 'job_old.conf'), 0o644);
    envSpy(d.bin, d.dumps, 'tar');
    envSpy(d.bin, d.dumps, 'zstd');

    // A lenient API (like the stock one) stores typos as sent: the agent must refuse them itself.
    server = await startServer({ env: { ...JWT_ENV, PERMAFROST_STRICT_FREEZER_ACTION: 'false' } });
    const admin = await adminToken(server.url);
    const projectId = await createProject(server.url, admin, 'trust');
    const tenant = await createTenant(server.url, admin, { projectId, user: 'operator', role: 'member' });
    owner = tenant.api;
    const cred = await v3(server.url, tenant.token, 'POST', `/users/${tenant.userId}/application_credentials`, { application_credential: { name: 'agent', client_id: clientId } });
    const { id, secret: credSecret } = cred.json.application_credential as { id: string; secret: string };
    secret = credSecret;
    const umask = process.umask(0o000);
    try {
      agent = startAgent({
        PERMAFROST_AGENT_API_URL: server.url, OS_AUTH_URL: `${server.url}/v3`, OS_APPLICATION_CREDENTIAL_ID: id, OS_APPLICATION_CREDENTIAL_SECRET: secret,
        PERMAFROST_AGENT_CLIENT_ID: clientId, PERMAFROST_AGENT_INTERVAL: '0.3', PERMAFROST_AGENT_LOG_LEVEL: 'info',
        PATH: `${d.bin}:${process.env.PATH}`,
      }, ['--jobs-dir', d.jobs, '--log-file', d.log, '--allowed-paths', d.allowed]);
    } finally {
      process.umask(umask);
    }
    await waitFor('the agent to register', 20_000, async () => (await owner.get(`/clients/${clientId}`)).status === 200);
  });
  after(async function () {
    if (this.currentTest?.state === 'failed') console.log(logs().slice(-4000));
    await agent?.stop();
    await server?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  const runJob = async (actions: Doc[]): Promise<Doc> => {
    const res = await owner.post('/jobs', { client_id: clientId, description: 'trust', job_schedule: {}, job_actions: actions.map((fa) => ({ freezer_action: fa, max_retries: 0 })) });
    assert.equal(res.status, 201, res.text);
    const id = res.json.job_id as string;
    return waitFor(`job ${id} to complete`, 60_000, async () => {
      const s = (await owner.get(`/jobs/${id}`)).json.job_schedule as Doc;
      return s.status === 'completed' ? { ...s, job_id: id } : null;
    });
  };
  const store = () => ({ storage: 'local', container: path.join(dirs().allowed, 'store'), backup_name: 'trust', hostname: 'h' });

  it('trust 12: exec children, tar and the compressor get none of the agent\'s OS_* or PERMAFROST_* variables', async () => {
    const done = await runJob([{ action: 'exec', command: 'env' }, { action: 'backup', ...store(), path_to_backup: path.join(dirs().allowed, 'src'), compression: 'zstd' }]);
    assert.equal(done.result, 'success');
    await waitFor('the exec output in the log', 10_000, async () => /"stream":"stdout".*PATH=/.test(logs()));
    const printed = logs().split('\n').filter((l) => l.includes('"stream":"stdout"')).map((l) => JSON.parse(l).msg as string);
    assert.ok(printed.some((l) => l.startsWith('PATH=')), printed.join('\n'));
    assert.deepEqual(printed.filter((l) => /^(OS_|PERMAFROST_)/.test(l)), []);
    assert.equal(logs().includes(secret), false, 'the secret is nowhere in the log');
    const dumps = fs.readdirSync(dirs().dumps);
    assert.ok(dumps.some((f) => f.startsWith('tar.')) && dumps.some((f) => f.startsWith('zstd.')), dumps.join(','));
    for (const f of dumps) {
      const env = fs.readFileSync(path.join(dirs().dumps, f), 'utf8');
      assert.match(env, /^LC_ALL=C$/m, f);
      assert.doesNotMatch(env, /^(OS_|PERMAFROST_)/m, f);
      assert.equal(env.includes(secret), false, f);
    }
  });

  it('trust 12: with allowed_paths, a backup, restore or admin outside them (directly, through a symlink or ..) fails before it touches anything', async () => {
    const { allowed, outside } = dirs();
    const cases: Array<[Doc, RegExp, string]> = [
      [{ action: 'backup', ...store(), backup_name: 'o1', path_to_backup: outside }, /path_to_backup \S+outside is outside the agent's allowed_paths/, path.join(allowed, 'store', 'metadata', 'tar', 'h_o1')],
      [{ action: 'backup', ...store(), backup_name: 'o2', path_to_backup: path.join(allowed, 'escape') }, /path_to_backup \S+escape is outside/, path.join(allowed, 'store', 'metadata', 'tar', 'h_o2')],
      [{ action: 'backup', ...store(), backup_name: 'o3', container: path.join(outside, 'store'), path_to_backup: path.join(allowed, 'src') }, /container \S+ is outside/, path.join(outside, 'store')],
      [{ action: 'restore', ...store(), restore_abs_path: `${allowed}/../outside/restored` }, /restore_abs_path \S+ is outside/, path.join(outside, 'restored')],
      [{ action: 'backup', ...store(), backup_name: 'o4', path_to_backup: path.join(allowed, 'src'), dereference_symlink: 'soft' }, /dereference_symlink soft makes tar follow symlinks/, path.join(allowed, 'store', 'metadata', 'tar', 'h_o4')],
    ];
    for (const [fa, message, untouched] of cases) {
      const done = await runJob([fa]);
      assert.equal(done.result, 'fail', JSON.stringify(fa));
      await waitFor(`the refusal of ${JSON.stringify(fa).slice(0, 80)}`, 5_000, async () => message.test(logs()));
      assert.equal(fs.existsSync(untouched), false, `${untouched} was not created`);
    }
    assert.deepEqual(fs.readdirSync(outside), ['root-only.txt']);
    const ok = await runJob([{ action: 'backup', ...store(), backup_name: 'in', path_to_backup: path.join(allowed, 'src') }]);
    assert.equal(ok.result, 'success', 'inside the allowed paths all works');
  });

  it('trust 12: a confined agent (allowed_paths) running as root restores no setuid file and no device node from a job author\'s archive', async () => {
    const { allowed } = dirs();
    const container = path.join(allowed, 'planted');
    const slot = { t0: 1_700_000_000, level: 0, ts: 1_700_000_000 };
    writeLevel(container, 'h_suid', slot, tarArchive(tarFile('ok.txt'), tarMember({ name: 'rootshell', mode: 0o4755 }, '#!/bin/sh\nid\n')));
    writeLevel(container, 'h_dev', slot, tarArchive(tarMember({ name: 'disk', type: '4', mode: 0o666 })));
    writeLevel(container, 'h_fine', slot, tarArchive(tarMember({ name: 'shared/', type: '5', mode: 0o2775 }), tarFile('shared/a.txt')));
    const restore = (name: string) => ({ action: 'restore', storage: 'local', container, hostname: 'h', backup_name: name, restore_abs_path: path.join(allowed, `restored-${name}`) });
    for (const [name, message] of [['suid', /rootshell\\" is setuid or setgid \(mode 4755\)/], ['dev', /disk\\" is a block device node/]] as const) {
      const done = await runJob([restore(name)]);
      assert.equal(done.result, 'fail');
      await waitFor(`the refusal of ${name}`, 5_000, async () => message.test(logs()));
    }
    assert.equal(fs.existsSync(path.join(allowed, 'restored-suid', 'rootshell')), false);
    assert.equal(fs.existsSync(path.join(allowed, 'restored-dev', 'disk')), false);
    const fine = await runJob([restore('fine')]);
    assert.equal(fine.result, 'success', 'a setgid directory is not a privilege');
    assert.equal(fs.statSync(path.join(allowed, 'restored-fine', 'shared')).mode & 0o7777, 0o2775);
  });

  it('trust 14: a typo, an unknown action or an unsupported option fails the job before anything runs; the agent goes on', async () => {
    const { allowed } = dirs();
    const marker = path.join(allowed, 'exec-ran');
    const container = path.join(allowed, 'typo-store');
    const typo = await runJob([
      { action: 'exec', command: `touch ${marker}` },
      { action: 'backup', storage: 'local', container, backup_name: 'typo', path_to_backup: path.join(allowed, 'src'), encrypt_pass_fle: path.join(allowed, 'key'), compresion: 'zstd' },
    ]);
    assert.equal(typo.result, 'fail');
    await waitFor('the refusal in the log', 5_000, async () =>
      logs().includes('action 1 refused: unknown option encrypt_pass_fle (did you mean encrypt_pass_file?); unknown option compresion (did you mean compression?)'));
    assert.equal(fs.existsSync(marker), false, 'the exec before it did not run');
    assert.equal(fs.existsSync(container), false, 'no storage was touched');

    const unknown = await runJob([{ action: 'bakup', ...store() }]);
    assert.equal(unknown.result, 'fail');
    await waitFor('the unknown action in the log', 5_000, async () => logs().includes('unknown action \\"bakup\\" (did you mean backup?)'));
    const unsupported = await runJob([{ action: 'backup', ...store(), backup_name: 'lim', path_to_backup: path.join(allowed, 'src'), upload_limit: 1000 }]);
    assert.equal(unsupported.result, 'fail');
    await waitFor('the unsupported option in the log', 5_000, async () => logs().includes('upload_limit is not supported by this agent (bandwidth limits)'));
    assert.equal(fs.existsSync(path.join(allowed, 'store', 'metadata', 'tar', 'h_lim')), false);

    // The stock API fills unset keys with null: those run.
    const nulls = await runJob([{ action: 'exec', command: 'true', container: null, timeout: null, priority: null, path_to_backup: null, log_file: null }]);
    assert.equal(nulls.result, 'success');
  });

  it('trust 8: under umask 000 the job cache is 0700/0600 without secrets, the log file 0600, backup files 0600 and their directories 0700', async () => {
    const { jobs, log, allowed } = dirs();
    const done = await runJob([
      { action: 'exec', command: 'true', ssh_password: 'job-secret-pw' },
      { action: 'backup', ...store(), backup_name: 'modes', path_to_backup: path.join(allowed, 'src') },
    ]);
    assert.equal(done.result, 'success');
    assert.equal(modeOf(jobs), 0o700);
    const cached = fs.readdirSync(jobs);
    assert.ok(cached.includes(`job_${done.job_id}.conf`), cached.join(','));
    for (const f of cached) {
      assert.equal(modeOf(path.join(jobs, f)), 0o600, f);
      const text = fs.readFileSync(path.join(jobs, f), 'utf8');
      assert.doesNotMatch(text, /job-secret-pw|old-clear-pw/, f);
    }
    assert.match(fs.readFileSync(path.join(jobs, `job_${done.job_id}.conf`), 'utf8'), /"ssh_password": "<redacted by the permafrost agent>"/);
    assert.equal(modeOf(log), 0o600);
    // This job's backup (and those of the earlier tests), made by the agent under umask 000.
    const written = modesUnder(path.join(allowed, 'store'));
    assert.ok(written.some((e) => !e.dir && e.path.endsWith('/data')), JSON.stringify(written));
    assert.deepEqual(written.filter((e) => e.mode !== (e.dir ? 0o700 : 0o600)), []);
  });
});

/** Starts `permafrost agent` with only `env` and waits for it to exit (or 25 s). */
function agentRun(env: Record<string, string>) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PERMAFROST_') && !k.startsWith('OS_')));
  const jobsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-agent17-'));
  try {
    return spawnSync(process.execPath, [ENTRY, 'agent', '--jobs-dir', jobsDir], { encoding: 'utf8', env: { ...clean, PERMAFROST_AGENT_INTERVAL: '0.2', ...env }, timeout: 25_000 });
  } finally {
    fs.rmSync(jobsDir, { recursive: true, force: true });
  }
}

describe('trust 17: an agent whose credentials are refused exits 2 with what to fix; one that cannot reach the identity service retries', function () {
  this.timeout(120_000);
  let server: RunningServer;
  let base: Record<string, string> = {};
  let cred = { id: '', secret: '' };
  let user = { name: '', password: '', project: '' };

  before(async () => {
    server = await startServer({ env: JWT_ENV });
    const admin = await adminToken(server.url);
    const projectId = await createProject(server.url, admin, 'refused');
    const tenant = await createTenant(server.url, admin, { projectId, user: 'agentop', role: 'member' });
    const made = await v3(server.url, tenant.token, 'POST', `/users/${tenant.userId}/application_credentials`, { application_credential: { name: 'a', client_id: 'h17' } });
    cred = made.json.application_credential as { id: string; secret: string };
    user = { name: tenant.userName, password: tenant.password, project: projectId };
    base = { PERMAFROST_AGENT_API_URL: server.url, OS_AUTH_URL: `${server.url}/v3`, PERMAFROST_AGENT_CLIENT_ID: 'h17' };
  });
  after(async () => server?.stop());

  const refused: Array<[string, () => Record<string, string>, RegExp]> = [
    ['a wrong application credential secret', () => ({ OS_APPLICATION_CREDENTIAL_ID: cred.id, OS_APPLICATION_CREDENTIAL_SECRET: `${cred.secret}x` }),
      /^permafrost agent: login at http:\S+\/v3 refused \(HTTP 401\): check the application credential \(OS_APPLICATION_CREDENTIAL_ID \/ OS_APPLICATION_CREDENTIAL_SECRET\)$/],
    ['a wrong password', () => ({ OS_USERNAME: user.name, OS_PASSWORD: 'not-the-password', OS_PROJECT_ID: user.project }),
      /^permafrost agent: login at \S+ refused \(HTTP 401\): check the user and password \(OS_USERNAME \/ OS_PASSWORD/],
    ['an unknown user', () => ({ OS_USERNAME: 'nobody-here', OS_PASSWORD: 'pw', OS_PROJECT_ID: user.project }), /refused \(HTTP 401\): check the user and password/],
    ['a credential limited to another client', () => ({ OS_APPLICATION_CREDENTIAL_ID: cred.id, OS_APPLICATION_CREDENTIAL_SECRET: cred.secret, PERMAFROST_AGENT_CLIENT_ID: 'not-h17' }),
      /^permafrost agent: the API at \S+ does not let these credentials register client not-h17 \(HTTP 403\): check --client-id/],
    ['a token the API refuses', () => ({ OS_AUTH_URL: '', OS_TOKEN: 'not-a-token', OS_PROJECT_ID: user.project }),
      /^permafrost agent: the API at \S+ refused the agent's credentials \(HTTP 401\): check the token \(OS_TOKEN\): it is wrong or expired$/],
  ];
  for (const [what, env, message] of refused) {
    it(`trust 17: ${what}: exit status 2 and one line`, () => {
      const run = agentRun({ ...base, ...env() });
      assert.equal(run.status, 2, `status ${run.status} signal ${run.signal}\n${run.stderr}\n${run.stdout.slice(-2000)}`);
      assert.match(run.stderr.trim(), message);
      assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    });
  }

  it('trust 17: an identity service that cannot be reached is retried with backoff, not fatal', async () => {
    const port = await freePort();
    const agent = startAgent({ ...base, OS_AUTH_URL: `http://127.0.0.1:${port}/v3`, OS_APPLICATION_CREDENTIAL_ID: cred.id, OS_APPLICATION_CREDENTIAL_SECRET: cred.secret, PERMAFROST_AGENT_INTERVAL: '0.2' });
    try {
      await waitFor('two failed registrations', 15_000, async () => (agent.logs().match(/cannot register the client.*; retrying/g) ?? []).length >= 2);
      assert.equal(agent.proc.exitCode, null);
    } finally {
      assert.equal(await agent.stop(), 0);
    }
  });
});

describe('trust 14: permafrost agent flags', () => {
  it('trust 14: a mistyped flag exits 2 and names it with a suggestion', () => {
    const run = spawnSync(process.execPath, [ENTRY, 'agent', '--alowed-paths', '/srv'], { encoding: 'utf8', timeout: 10_000 });
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /unknown option '--alowed-paths'\n\(Did you mean --allowed-paths\?\)/);
  });
});
