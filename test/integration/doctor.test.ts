import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findProgram } from '../../src/engine/pipeline/find-program';
import { ensureEngineTools } from '../helpers/engine';
import { adminToken, createProject, createTenant, JWT_ENV, v3 } from '../helpers/identity';
import { freePort, startServer } from '../helpers/server';

const ENTRY = path.resolve(__dirname, '../../src/bin/permafrost.js');

interface Run {
  status: number | null;
  out: string;
}

/** `permafrost doctor` as a real process, with only the given environment (no PERMAFROST_* or OS_* of the developer). */
function doctor(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const inherited = Object.entries(process.env).filter(([k]) => !k.startsWith('PERMAFROST_') && !k.startsWith('OS_'));
  const proc = spawn(process.execPath, [ENTRY, 'doctor', ...args], { env: { ...Object.fromEntries(inherited), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) => proc.once('close', (status) => resolve({ status, out })));
}

/** A PATH of one directory holding links to `programs` only (found on the real PATH). */
function pathOf(dir: string, programs: string[]): string {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir);
  for (const name of programs) {
    const real = findProgram(name);
    if (!real) throw new Error(`${name} is not installed on this machine`);
    fs.symlinkSync(real, path.join(dir, name));
  }
  return dir;
}

describe('permafrost doctor', function () {
  this.timeout(60_000);
  let work = '';
  let jobsDir = '';

  before(function () {
    this.timeout(600_000);
    ensureEngineTools();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-doctor-'));
    jobsDir = path.join(work, 'jobs');
    fs.mkdirSync(jobsDir, { mode: 0o700 });
    fs.mkdirSync(path.join(work, 'data'));
    const backup = { action: 'backup', backup_name: 'b', storage: 'local', container: path.join(work, 'store'), path_to_backup: path.join(work, 'data'), compression: 'zstd' };
    fs.writeFileSync(path.join(jobsDir, 'job_z.conf'), JSON.stringify({ job_id: 'z', job_actions: [{ freezer_action: backup }] }), { mode: 0o600 });
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it('on a host missing the compressor a --no-api job uses: names it and exits 1; with it: exits 0', async () => {
    const bin = path.join(work, 'bin');
    const missing = await doctor(['--no-api', '--jobs-dir', jobsDir], { PATH: pathOf(bin, ['tar', 'gzip']) });
    assert.equal(missing.status, 1, missing.out);
    assert.match(missing.out, /^FAIL +compression zstd: compression 'zstd' needs the zstd program, which is not installed \(Debian package: zstd\); needed: used by job z$/m);
    assert.match(missing.out, /^ok +tar: GNU tar [\d.]+ at /m);
    // Programs no job needs are reported, never failed.
    assert.match(missing.out, /^skip +compression xz: no job uses it/m);
    assert.match(missing.out, /1 FAIL/);

    const full = await doctor(['--no-api', '--jobs-dir', jobsDir], { PATH: pathOf(bin, ['tar', 'gzip', 'zstd']) });
    assert.equal(full.status, 0, full.out);
    assert.match(full.out, /^ok +compression zstd: .*zstd \(used by job z\)$/m);
    assert.match(full.out, /0 FAIL.*can run every action it is configured for/);
  });

  it('names an API that does not answer and exits 1, without printing the token', async () => {
    const port = await freePort();
    const run = await doctor(['--api-url', `http://127.0.0.1:${port}`, '--project-id', 'p', '--jobs-dir', path.join(work, 'cache')], { OS_TOKEN: 'tok-very-secret-42' });
    assert.equal(run.status, 1, run.out);
    assert.match(run.out, new RegExp(`^FAIL +api: http://127\\.0\\.0\\.1:${port}/ cannot be reached \\(.*ECONNREFUSED.*--api-url`, 'm'));
    assert.equal(run.out.includes('tok-very-secret-42'), false);
    // Nothing created: the agent would create the jobs dir, the doctor only says so.
    assert.match(run.out, /^ok +jobs_dir: .*cache does not exist yet: the agent will create it/m);
    assert.equal(fs.existsSync(path.join(work, 'cache')), false);
  });

  it('says which settings are missing and exits 2 on a configuration the agent refuses', async () => {
    const run = await doctor(['--api-url', 'http://127.0.0.1:9']);
    assert.equal(run.status, 2, run.out);
    assert.match(run.out, /^FAIL +config: auth: give a token \(OS_TOKEN\).*OS_APPLICATION_CREDENTIAL_ID/m);
    assert.match(run.out, /^ok +tar: /m);
  });

  describe('against Permafrost (jwt, an application credential limited to the client)', () => {
    let server: Awaited<ReturnType<typeof startServer>>;
    let env: Record<string, string> = {};
    let owner: Awaited<ReturnType<typeof createTenant>>;
    let jobId = '';

    before(async () => {
      server = await startServer({ env: JWT_ENV });
      const admin = await adminToken(server.url);
      const projectId = await createProject(server.url, admin, 'agents');
      owner = await createTenant(server.url, admin, { projectId, user: 'operator', role: 'member' });
      const cred = await v3(server.url, owner.token, 'POST', `/users/${owner.userId}/application_credentials`, { application_credential: { name: 'host-d', client_id: 'host-d' } });
      const { id, secret } = cred.json.application_credential as { id: string; secret: string };
      env = { PERMAFROST_AGENT_API_URL: server.url, OS_AUTH_URL: `${server.url}/v3`, OS_APPLICATION_CREDENTIAL_ID: id, OS_APPLICATION_CREDENTIAL_SECRET: secret };
      const backup = { action: 'backup', backup_name: 'b', storage: 'local', container: path.join(work, 'store'), path_to_backup: path.join(work, 'data'), compression: 'bzip2' };
      const created = await owner.api.post('/jobs', { client_id: 'host-d', job_schedule: {}, job_actions: [{ freezer_action: backup }] });
      assert.equal(created.status, 201, created.text);
      jobId = created.json.job_id as string;
    });
    after(() => server?.stop());

    it('logs in, lists the client\'s jobs and checks what they need: exit 0, nothing written', async () => {
      const run = await doctor(['--client-id', 'host-d', '--jobs-dir', path.join(work, 'api-jobs')], env);
      assert.equal(run.status, 0, run.out);
      assert.match(run.out, /^ok +api: http:\/\/127\.0\.0\.1:\d+\/ answered HTTP 3\d\d \(\d+ ms\)$/m);
      assert.match(run.out, /^ok +identity: .*\/v3 answered HTTP 200 \(\d+ ms\)$/m);
      assert.match(run.out, /^ok +login: application credential \S+ got a token for project \S+ \(\d+ ms\)$/m);
      assert.match(run.out, /^ok +jobs: 1 job of client host-d to check/m);
      assert.match(run.out, /^ok +job options: 1 job, 1 action: options accepted$/m);
      assert.match(run.out, new RegExp(`^ok +compression bzip2: \\S*bzip2 \\(used by job ${jobId}\\)$`, 'm'));
      assert.equal(run.out.includes(env.OS_APPLICATION_CREDENTIAL_SECRET), false);
      // The doctor registers no client and creates no jobs dir.
      assert.deepEqual((await owner.api.get('/clients')).json.clients, []);
      assert.equal(fs.existsSync(path.join(work, 'api-jobs')), false);
    });

    it('names refused credentials and the variables to check, exit 1', async () => {
      const run = await doctor(['--client-id', 'host-d', '--jobs-dir', path.join(work, 'api-jobs')], { ...env, OS_APPLICATION_CREDENTIAL_SECRET: 'wrong-secret-77' });
      assert.equal(run.status, 1, run.out);
      assert.match(run.out, /^FAIL +login: .* refused application credential \S+ \(HTTP 401\): check OS_APPLICATION_CREDENTIAL_ID and OS_APPLICATION_CREDENTIAL_SECRET/m);
      assert.match(run.out, /^skip +jobs: not listed/m);
      assert.equal(run.out.includes('wrong-secret-77'), false);
    });
  });
});
