import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { JWT_ENV } from '../helpers/identity';
import { createRunsTenants, type RunsTenants } from '../helpers/runs-tenants';
import type { Api } from '../helpers/http';
import { startServer, type RunningServer } from '../helpers/server';

type Line = Record<string, unknown>;

/** One POST /run-reports held open: lines go out as the test writes them, answers are collected. */
class ReportStream {
  readonly answers: Line[] = [];
  /** Resolves when the answer has ended (or the connection was cut): `complete` false when cut. */
  readonly closed: Promise<{ status: number; complete: boolean }>;
  private readonly req: http.ClientRequest;

  constructor(url: string, token: string) {
    this.req = http.request(url, {
      method: 'POST',
      agent: false,
      headers: { 'X-Auth-Token': token, 'Content-Type': 'application/x-ndjson', Accept: 'application/x-ndjson' },
    });
    this.closed = new Promise((resolve) => {
      this.req.on('error', () => resolve({ status: 0, complete: false }));
      this.req.on('response', (res) => {
        let rest = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          const parts = (rest + chunk).split('\n');
          rest = parts.pop() ?? '';
          for (const p of parts) this.answers.push(JSON.parse(p) as Line);
        });
        res.on('error', () => undefined);
        res.on('close', () => resolve({ status: res.statusCode ?? 0, complete: res.complete }));
      });
    });
    this.req.flushHeaders();
  }

  send(line: Line | string): void {
    this.req.write(`${typeof line === 'string' ? line : JSON.stringify(line)}\n`);
  }

  async end(): Promise<{ status: number; complete: boolean }> {
    this.req.end();
    return this.closed;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * POST /run-reports against a real server (auth=jwt): each line is applied as PATCH /runs/{id}
 * would be, refusals are answered per line with the PATCH's status, isolation is the PATCH's,
 * and a stream outlives the server's request timeout but not its own bounds.
 */
describe('run report stream (POST /run-reports)', function () {
  this.timeout(60000);
  let server: RunningServer;
  let t: RunsTenants;
  const agentInfo = { host: 'hostA', pid: 42, version: '1.0' };

  before(async () => {
    // A 1 s request timeout and 2 s streams: the bounds are seen within a test's time.
    server = await startServer({ env: { ...JWT_ENV, PERMAFROST_REQUEST_TIMEOUT_MS: '1000', PERMAFROST_RUNS_STREAM_SECONDS: '2', PERMAFROST_BODY_LIMIT: '64kb' } });
    t = await createRunsTenants(server.url, 'stream');
  });
  after(() => server?.stop());

  const streamUrl = (project: string) => `${server.url}/v2/${project}/run-reports`;
  async function open(api: Api, jobId: string): Promise<string> {
    const res = await api.post('/runs', { job_id: jobId, trigger: 'schedule', status: 'running', agent: agentInfo });
    assert.equal(res.status, 201, res.text);
    return res.json.run_id as string;
  }
  const progress = (pct: number) => ({ phase: 'backup', bytes_done: pct, bytes_total: 100, files_done: 1, files_total: 2, rate: 10, eta: 5, pct_complete: pct });

  it('applies each line as PATCH /runs/{id} would, answers every refused line with its status, then counts', async () => {
    const run = await open(t.agent, t.jobA);
    const ended = await open(t.agent, t.jobA);
    assert.equal((await t.agent.patch(`/runs/${ended}`, { status: 'success' })).status, 200);
    const s = new ReportStream(streamUrl(t.alice.projectId), t.agentToken);
    s.send({ run_id: run, progress: progress(10) });
    s.send({ run_id: run, progress: progress(40), colour: 'red' });
    s.send('{"run_id": "x", ');
    s.send({ run_id: 'missing', progress: progress(1) });
    s.send({ run_id: ended, progress: progress(1) });
    s.send({ progress: progress(1) });
    s.send({ run_id: run, log_tail: ['x'.repeat(70 * 1024)] });
    s.send('');
    s.send({ run_id: run, progress: progress(60), log_tail: ['halfway'] });
    // A line that tries to reach the prototype (or end the run through it) is a bad key, nothing more.
    s.send(`{"run_id": "${run}", "__proto__": {"status": "success"}, "progress": ${JSON.stringify(progress(70))}}`);
    const { status, complete } = await s.end();
    assert.equal(status, 200);
    assert.ok(complete, 'answered to the end');
    assert.deepEqual(s.answers[0], { stream_seconds: 2 });
    const refusals = s.answers.slice(1, -1).map((a) => [a.line, a.run_id, a.status]);
    assert.deepEqual(refusals, [
      [2, run, 400],
      [3, null, 753], // malformed JSON: what PATCH answers (Freezer's status for it)
      [4, 'missing', 404],
      [5, ended, 409],
      [6, null, 400],
      [7, null, 413],
      [10, run, 400],
    ]);
    assert.match(String(s.answers[1].error), /'colour'/);
    assert.match(String(s.answers[4].error), /ended|success/);
    assert.match(String(s.answers[7].error), /__proto__/);
    assert.deepEqual(s.answers.at(-1), { accepted: 2, refused: 7 });
    const stored = (await t.alice.api.get(`/runs/${run}`)).json;
    assert.deepEqual(stored.progress, progress(60), 'the last accepted line is what GET shows');
    assert.deepEqual(stored.log_tail, ['halfway']);
    assert.equal(stored.status, 'running');
    assert.equal((await t.agent.patch(`/runs/${run}`, { status: 'success' })).status, 200);
  });

  it('isolates lines as PATCH /runs/{id}: another user, another project, a reader, a client-limited token', async () => {
    const own = await open(t.agent, t.jobA);
    const hostB = await open(t.alice.api, t.jobB);
    const refusedTo = async (project: string, token: string, runId: string): Promise<unknown> => {
      const s = new ReportStream(streamUrl(project), token);
      s.send({ run_id: runId, progress: progress(99) });
      const { status } = await s.end();
      return status === 200 ? s.answers[1]?.status : status;
    };
    assert.equal(await refusedTo(t.alice.projectId, t.bob.token, own), 404, 'another user of the project');
    assert.equal(await refusedTo(t.carol.projectId, t.carol.token, own), 404, 'another project');
    assert.equal(await refusedTo(t.alice.projectId, t.carol.token, own), 403, "another project's URL");
    assert.equal(await refusedTo(t.alice.projectId, t.reader.token, own), 403, 'a reader cannot report');
    assert.equal(await refusedTo(t.alice.projectId, t.agentToken, hostB), 404, "hostA's agent and hostB's run");
    for (const id of [own, hostB]) {
      const run = (await t.alice.api.get(`/runs/${id}`)).json;
      assert.equal(run.progress, null, `${id}: no refused line was applied`);
    }
    assert.equal(await refusedTo(t.alice.projectId, t.agentToken, own), undefined, 'its own agent is taken');
    assert.equal((await t.alice.api.get(`/runs/${own}`)).json.progress.pct_complete, 99);
    await t.alice.api.patch(`/runs/${own}`, { status: 'success' });
    await t.alice.api.patch(`/runs/${hostB}`, { status: 'success' });
  });

  it('outlives the 1 s request timeout while lines come, and is answered to the end', async () => {
    const run = await open(t.agent, t.jobA);
    const s = new ReportStream(streamUrl(t.alice.projectId), t.agentToken);
    const started = Date.now();
    let sent = 0;
    // Lines every 100 ms (well inside the 1 s idle cut, even when a busy machine stretches the pauses) for 2.5 s.
    while (Date.now() - started < 2500) {
      s.send({ run_id: run, progress: progress(++sent) });
      await sleep(100);
    }
    const { status, complete } = await s.end();
    assert.equal(status, 200);
    assert.ok(complete, 'not cut by the request timeout');
    const summary = s.answers.at(-1) as { accepted: number; refused: number };
    assert.deepEqual(summary, { accepted: sent, refused: 0 }, 'every line sent was taken');
    assert.equal((await t.alice.api.get(`/runs/${run}`)).json.progress.pct_complete, summary.accepted);
    await t.agent.patch(`/runs/${run}`, { status: 'success' });
  });

  it('is cut when no line comes for the request timeout, and past stream_seconds plus a grace', async () => {
    const run = await open(t.agent, t.jobA);
    const silent = new ReportStream(streamUrl(t.alice.projectId), t.agentToken);
    silent.send({ run_id: run, progress: progress(1) });
    let started = Date.now();
    const cut = await Promise.race([silent.closed, sleep(10000).then(() => null)]);
    assert.ok(cut, 'a silent stream is cut');
    assert.equal(cut.complete, false);
    assert.ok(Date.now() - started < 3000, `cut after ${Date.now() - started} ms: by the idle cut (1 s), not the deadline (4 s)`);
    // Lines every 100 ms, never ended: cut at stream_seconds (2) plus the grace (2), not before.
    const endless = new ReportStream(streamUrl(t.alice.projectId), t.agentToken);
    started = Date.now();
    let closed = false;
    void endless.closed.then(() => (closed = true));
    for (let pct = 1; !closed && Date.now() - started < 15000; pct++) {
      endless.send({ run_id: run, progress: progress(pct) });
      await sleep(100);
    }
    const elapsed = Date.now() - started;
    assert.ok(closed, 'an endless stream is cut');
    assert.equal((await endless.closed).complete, false);
    assert.ok(elapsed >= 3500 && elapsed < 8000, `cut after ${elapsed} ms`);
    // Other requests are still timed: a stalled upload gets 408.
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(server.port, '127.0.0.1', () => {
        socket.write(`POST /v2/${t.alice.projectId}/run-reports HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ${t.agentToken}\r\nContent-Type: application/x-ndjson\r\nContent-Length: 100\r\n\r\n{"ru`);
        // Headers complete, body stalled: the route's own idle cut applies (the stream was admitted).
      });
      let data = '';
      socket.on('data', (d: Buffer) => (data += d.toString()));
      socket.on('close', () => resolve(data));
      socket.on('error', reject);
    });
    assert.match(answer, /^HTTP\/1\.1 200/, 'a stalled stream was admitted, then cut');
    const stalledHeaders = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(server.port, '127.0.0.1', () => socket.write('POST /v2/p/runs HTTP/1.1\r\nHost: x\r\n'));
      let data = '';
      socket.on('data', (d: Buffer) => (data += d.toString()));
      socket.on('close', () => resolve(data));
      socket.on('error', reject);
    });
    assert.match(stalledHeaders, /^HTTP\/1\.1 408 Request Timeout\r\nConnection: close\r\n/);
    assert.equal((await t.alice.api.get(`/runs/${run}`)).status, 200, 'the server keeps serving');
    await t.agent.patch(`/runs/${run}`, { status: 'success' });
  });
});
