import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { waitFor } from '../helpers/agent';
import { Api } from '../helpers/http';
import { startServer, type RunningServer } from '../helpers/server';

/** Several API processes on one port and one SQLite file (--workers) behave as one server. */
describe('multi-process API (--workers 2)', function () {
  this.timeout(60000);
  let server: RunningServer;
  before(async () => {
    // The access log: each worker's 'request' lines carry its pid (`worker`).
    server = await startServer({ args: ['--workers', '2'], env: { PERMAFROST_ACCESS_LOG: '1' } });
    // startServer returns once one worker listens; the primary hands connections only to workers
    // that listen, so wait for the second one too (its own 'listening' line).
    await waitFor('both workers listening', 20000, async () => listeningWorkers().size === 2);
  });
  after(() => server.stop());

  const workerPids = () =>
    execFileSync('pgrep', ['-P', String(server.proc.pid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);

  function listeningWorkers(): Set<number> {
    const lines = server.logs().split('\n').filter((l) => l.includes('"msg":"listening"'));
    return new Set(lines.map((l) => (JSON.parse(l) as { worker?: number }).worker).filter((w) => typeof w === 'number'));
  }

  it('runs two workers under one supervisor', () => {
    assert.equal(workerPids().length, 2);
  });

  /** The pid in each access-log line for `path` (its `worker` field). */
  const answeredBy = (path: string): number[] =>
    server
      .logs()
      .split('\n')
      .filter((l) => l.includes('"msg":"request"') && l.includes(`"url":"${path}"`))
      .map((l) => (JSON.parse(l) as { worker: number }).worker);

  it('answers requests in both workers (the access log names the worker of each)', async () => {
    const path = '/v2/projW/jobs?limit=1';
    const n = 40;
    // One connection each (no keep-alive): the primary hands connections to the workers in turn.
    const answers = await Promise.all(Array.from({ length: n }, () => Api.v2(server.url, 'projW', 'alice').get('/jobs?limit=1')));
    assert.ok(answers.every((r) => r.status === 200));
    await waitFor('an access-log line for every request', 10000, async () => answeredBy(path).length >= n);
    const pids = answeredBy(path);
    assert.equal(pids.length, n, 'one access-log line per request');
    assert.deepEqual([...new Set(pids)].sort(), workerPids().sort(), `the requests were answered by ${JSON.stringify(pids)}`);
  });

  it('serves concurrent writes from both processes without losing or mixing any', async () => {
    const api = Api.v2(server.url, 'projW', 'alice');
    const created = await Promise.all(
      Array.from({ length: 60 }, (_, i) => api.post('/jobs', { client_id: 'projW_h', description: `w${i}`, job_actions: [{ freezer_action: { action: 'backup' } }] })),
    );
    assert.ok(created.every((r) => r.status === 201));
    const listed = (await api.get('/jobs?limit=-1')).json.jobs.map((j: { description: string }) => j.description).sort();
    assert.deepEqual(listed, Array.from({ length: 60 }, (_, i) => `w${i}`).sort());
    for (const r of created.slice(0, 10)) assert.equal((await api.get(`/jobs/${r.json.job_id}`)).status, 200);
  });

  it('keeps read-modify-write updates atomic across processes (no lost update)', async () => {
    const api = Api.v2(server.url, 'projW', 'alice');
    const sid = (await api.post('/sessions', { schedule: {}, hold_off: 60 })).json.session_id;
    const jobs = await Promise.all(
      Array.from({ length: 40 }, async () => (await api.post('/jobs', { client_id: 'projW_h', job_actions: [{ freezer_action: { action: 'backup' } }] })).json.job_id as string),
    );
    const added = await Promise.all(jobs.map((j) => api.put(`/sessions/${sid}/jobs/${j}`)));
    assert.ok(added.every((r) => r.status === 204));
    assert.deepEqual(Object.keys((await api.get(`/sessions/${sid}`)).json.jobs).sort(), [...jobs].sort());
  });

  it('replaces a worker that dies', async () => {
    const [victim] = workerPids();
    process.kill(victim, 'SIGKILL');
    const deadline = Date.now() + 10000;
    while (Date.now() < deadline) {
      const pids = workerPids();
      if (pids.length === 2 && !pids.includes(victim)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const pids = workerPids();
    assert.equal(pids.length, 2);
    assert.ok(!pids.includes(victim));
    assert.equal((await Api.v2(server.url, 'projW', 'alice').get('/jobs')).status, 200);
  });
});
