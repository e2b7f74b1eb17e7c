import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { Api, request } from '../helpers/http';
import { freePort, startServer } from '../helpers/server';

const ENTRY = path.resolve(__dirname, '../../src/bin/permafrost.js');
const cleanEnv = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PERMAFROST_')));

describe('the permafrost command', function () {
  this.timeout(30000);

  it('lists every configuration problem at once and exits 2', () => {
    const run = spawnSync(process.execPath, [ENTRY, 'serve', '--bind', 'nowhere', '--auth', 'magic', '--body-limit', 'lots'], {
      encoding: 'utf8',
      env: { ...cleanEnv(), PERMAFROST_DATABASE: 'postgres://db' },
    });
    assert.equal(run.status, 2, run.stderr);
    for (const needle of ['bind', 'auth', 'body_limit', 'database']) assert.match(run.stderr, new RegExp(needle));
    assert.equal(run.stdout, '');
  });

  it('fails fast with a clear line when the MongoDB it is given cannot be reached (credentials never shown)', async () => {
    const port = await freePort();
    const started = Date.now();
    const run = spawnSync(process.execPath, [ENTRY, 'serve', '--auth', 'noauth', '--database', `mongodb://svc:hunter2secret@127.0.0.1:${port}/permafrost`], {
      encoding: 'utf8',
      env: cleanEnv(),
      timeout: 30000,
    });
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, new RegExp(`permafrost: cannot start: cannot use MongoDB at mongodb://127\\.0\\.0\\.1:${port}/permafrost`));
    assert.equal(`${run.stdout}${run.stderr}`.includes('hunter2secret'), false);
    assert.ok(Date.now() - started < 20000);
  });

  it('explains itself with --help', () => {
    const run = spawnSync(process.execPath, [ENTRY, 'serve', '--help'], { encoding: 'utf8', env: cleanEnv() });
    assert.equal(run.status, 0);
    for (const flag of ['--bind', '--database', '--data-dir', '--auth', '--body-limit', '--workers', '--config']) assert.match(run.stdout, new RegExp(flag));
  });

  it('serves only the configured API versions', async () => {
    const server = await startServer({ env: { PERMAFROST_API_VERSIONS: 'v2' } });
    try {
      const versions = await request(`${server.url}/`);
      assert.deepEqual(versions.json.versions.map((v: { id: string }) => v.id), ['v2']);
      assert.equal((await Api.v1(server.url, 'alice').get('/jobs')).status, 404);
      assert.equal((await Api.v2(server.url, 'p', 'alice').get('/jobs')).status, 200);
    } finally {
      await server.stop();
    }
  });

  it('finishes requests in flight on SIGTERM, then exits 0', async () => {
    const server = await startServer();
    const api = Api.v2(server.url, 'p', 'alice');
    const inFlight = Array.from({ length: 20 }, (_, i) => api.post('/backups', { container: 'c', hostname: 'h', backup_name: `b${i}` }));
    await new Promise((r) => setTimeout(r, 5));
    server.proc.kill('SIGTERM');
    const answers = await Promise.allSettled(inFlight);
    const exit = await new Promise<number | null>((resolve) => {
      if (server.proc.exitCode !== null) resolve(server.proc.exitCode);
      else server.proc.once('exit', (code) => resolve(code));
    });
    assert.equal(exit, 0);
    // Whatever was answered 201 is there after a restart on the same data.
    const created = answers.filter((a) => a.status === 'fulfilled' && a.value.status === 201).length;
    const again = await startServer({ dataDir: server.dataDir });
    try {
      const stored = (await Api.v2(again.url, 'p', 'alice').get('/backups?limit=-1')).json.backups.length;
      assert.ok(stored >= created, `${stored} stored < ${created} acknowledged`);
    } finally {
      await again.stop();
    }
  });
});
