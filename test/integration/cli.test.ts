import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { Api, request, type Response } from '../helpers/http';
import { exitOf, logLineOrExit } from '../helpers/log-line';
import { freePort, startServer } from '../helpers/server';
import { stalledRequest } from '../helpers/stalled-request';

const ENTRY = path.resolve(__dirname, '../../src/bin/permafrost.js');
const BULK = 10;
const UPLOADS = 5;
/** A list worth some time to send: BULK documents of ~180 KB each (~1.8 MB of JSON). */
const BLOB = 'x'.repeat(60_000);
const bulkNames = () => Array.from({ length: BULK }, (_, i) => `bulk${i}`).sort();
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

  it('finishes requests in flight on SIGTERM (uploads and a list held open across it), refuses new connections, then exits 0', async function () {
    this.timeout(90000);
    const server = await startServer({ env: { PERMAFROST_LOG_LEVEL: 'info' } });
    try {
      const api = Api.v2(server.url, 'p', 'alice');
      await addBulkBackups(api);
      const stopping = logLineOrExit(server.proc, /"msg":"stopping"/);
      // In flight, provably (the server has parsed them and answered 100 Continue), and unable to
      // finish before SIGTERM since half of each body is held back.
      const uploads = await Promise.all(Array.from({ length: UPLOADS }, (_, i) =>
        stalledRequest(`${server.url}/v2/p/backups`, 'POST', api.headers, { container: 'c', hostname: 'h', backup_name: `held${i}` })));
      const list = await stalledRequest(`${server.url}/v2/p/backups?limit=100`, 'GET', api.headers, { match: [{ kind: 'bulk' }] });
      server.proc.kill('SIGTERM');
      await stopping;
      // The listener closed on SIGTERM: a new connection is refused while the held requests
      // still keep the process alive.
      const refused = await newConnectionOutcome(server.port);
      const aliveWhenRefused = server.proc.exitCode === null && server.proc.signalCode === null;
      // Finished at once: the server's grace for requests in flight is 5 s.
      for (const held of [...uploads, list]) held.finish();
      const answers = await Promise.allSettled([...uploads, list].map((held) => held.response));
      const outcomes = answers.map((a) => (a.status === 'fulfilled' ? a.value.status : (a.reason as Error).message));
      assert.deepEqual(outcomes, [...Array(UPLOADS).fill(201), 200], 'every request in flight is answered');
      assert.equal(refused, 'ECONNREFUSED');
      assert.ok(aliveWhenRefused, 'the server had exited when the new connection was tried');
      const listed = (answers[UPLOADS] as PromiseFulfilledResult<Response>).value.json.backups;
      assert.deepEqual(listed.map((b: { backup_metadata: { backup_name: string } }) => b.backup_metadata.backup_name).sort(), bulkNames());
      assert.ok(listed.every((b: { backup_metadata: { c: string } }) => b.backup_metadata.c === BLOB), 'the list arrived whole');
      const exit = await exitOf(server.proc);
      assert.deepEqual(exit, { code: 0, signal: null }, server.logs().slice(-2000));
      // Every acknowledged upload is there after a restart on the same data.
      const acknowledged = answers.slice(0, UPLOADS).map((a) => (a as PromiseFulfilledResult<Response>).value.json.backup_id).sort();
      assert.deepEqual(await heldIdsAfterRestart(server.dataDir), acknowledged);
    } finally {
      await server.stop();
    }
  });
});

async function addBulkBackups(api: Api): Promise<void> {
  for (let i = 0; i < BULK; i++) {
    const res = await api.post('/backups', { container: 'c', hostname: 'h', backup_name: `bulk${i}`, kind: 'bulk', a: BLOB, b: BLOB, c: BLOB });
    assert.equal(res.status, 201, res.text);
  }
}

/** The ids of the `held*` backups a new server on `dataDir` finds (it removes the dir when done). */
async function heldIdsAfterRestart(dataDir: string): Promise<string[]> {
  const again = await startServer({ dataDir });
  try {
    const stored = (await Api.v2(again.url, 'p', 'alice').get('/backups?limit=-1')).json.backups as { backup_id: string; backup_metadata: { backup_name: string } }[];
    return stored.filter((b) => b.backup_metadata.backup_name.startsWith('held')).map((b) => b.backup_id).sort();
  } finally {
    await again.stop();
  }
}

/**
 * What a new TCP connection to the port gets: 'ECONNREFUSED' once nothing listens. ECONNRESET
 * means it reached the listen queue in the instant before the listener closed: try again.
 */
async function newConnectionOutcome(port: number): Promise<string> {
  for (;;) {
    const outcome = await new Promise<string>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
      // Connected: say something and see whether an HTTP answer comes back.
      socket.once('connect', () => socket.end('GET /healthcheck HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
      let answer = '';
      socket.on('data', (d: Buffer) => (answer += d.toString()));
      socket.once('end', () => resolve(answer ? `answered: ${answer.split('\r\n')[0]}` : 'closed without an answer'));
    });
    if (outcome !== 'ECONNRESET') return outcome;
  }
}
