import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Api } from '../helpers/http';
import { emitEvent } from '../helpers/events-cli';
import { startServer, useServer, type RunningServer } from '../helpers/server';
import { SseClient } from '../helpers/sse';
import { WebhookReceiver } from '../helpers/webhook-receiver';

/**
 * GET /events (issue 12, item 5) against real servers, events written by `permafrost events
 * emit` into the server's database (the path any other process's events take): the stream, its
 * resume after Last-Event-ID, filters, isolation, the JSON pages, --workers 2, and shutdown.
 */
const FAST = { PERMAFROST_EVENTS_POLL_MS: '50', PERMAFROST_EVENTS_KEEPALIVE_S: '1' };

function headers(user: string, project: string): Record<string, string> {
  return { 'X-User-Id': user, 'X-Project-Id': project };
}

describe('events: the server-sent-events stream and JSON pages of GET /events', function () {
  this.timeout(60_000);
  const server = useServer({ env: FAST });
  const streams: SseClient[] = [];
  const open = async (path: string, h: Record<string, string>) => {
    const s = await SseClient.open(`${server().url}${path}`, h);
    streams.push(s);
    return s;
  };
  afterEach(() => {
    for (const s of streams.splice(0)) s.close();
  });

  it('events: a stream gets the project’s events in order, with id lines and keep-alive comments', async () => {
    const s = await open('/v2/pA/events', headers('alice', 'pA'));
    assert.equal(s.status, 200);
    assert.match(String(s.headers['content-type']), /^text\/event-stream/);
    const ids: number[] = [];
    for (const [i, type] of ['run.started', 'run.failed', 'run.succeeded'].entries()) {
      ids.push(await emitEvent(server().dataDir, { user: 'alice', project: 'pA', type, data: { run_id: `r${i}` } }));
    }
    const got = await s.waitFor(3);
    assert.deepEqual(got.map((e) => Number(e.id)), ids);
    assert.deepEqual(got.map((e) => e.event), ['run.started', 'run.failed', 'run.succeeded']);
    const datas = s.datas();
    assert.deepEqual(datas.map((d) => d.data), [{ run_id: 'r0' }, { run_id: 'r1' }, { run_id: 'r2' }]);
    for (const d of datas) {
      assert.deepEqual(Object.keys(d).sort(), ['data', 'id', 'project_id', 'time', 'type']);
      assert.equal(d.project_id, 'pA');
      assert.ok(Math.abs(d.time - Date.now() / 1000) < 60);
    }
    assert.ok(ids[0] < ids[1] && ids[1] < ids[2], 'ids increase');
    // Keep-alive comments every second (events.keepalive_s = 1).
    const deadline = Date.now() + 5000;
    while (!s.comments.includes('keep-alive') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(s.comments.includes('keep-alive'), 'a keep-alive comment came');
  });

  it('events: Last-Event-ID replays what was missed while disconnected, then goes on live', async () => {
    const first = await emitEvent(server().dataDir, { user: 'alice', project: 'pR', type: 'run.started', data: { n: 1 } });
    const missed1 = await emitEvent(server().dataDir, { user: 'alice', project: 'pR', type: 'run.failed', data: { n: 2 } });
    const missed2 = await emitEvent(server().dataDir, { user: 'alice', project: 'pR', type: 'run.succeeded', data: { n: 3 } });
    const s = await open('/v2/pR/events', { ...headers('alice', 'pR'), 'Last-Event-ID': String(first) });
    const replayed = await s.waitFor(2);
    assert.deepEqual(replayed.map((e) => Number(e.id)), [missed1, missed2]);
    const live = await emitEvent(server().dataDir, { user: 'alice', project: 'pR', type: 'run.aborted', data: { n: 4 } });
    const all = await s.waitFor(3);
    assert.equal(Number(all[2].id), live);
    assert.equal(s.events.length, 3, 'nothing twice');
    // ?since= does the same for a first connection (EventSource cannot send the header itself).
    const t = await open(`/v2/pR/events?since=${missed2}`, headers('alice', 'pR'));
    const fromSince = await t.waitFor(1);
    assert.equal(Number(fromSince[0].id), live);
  });

  it('events: ?types= keeps only those types; an unknown type is a 400 naming it', async () => {
    const s = await open('/v2/pT/events?types=run.failed,job.stale', headers('alice', 'pT'));
    await emitEvent(server().dataDir, { user: 'alice', project: 'pT', type: 'run.started' });
    const failed = await emitEvent(server().dataDir, { user: 'alice', project: 'pT', type: 'run.failed' });
    await emitEvent(server().dataDir, { user: 'alice', project: 'pT', type: 'run.succeeded' });
    const stale = await emitEvent(server().dataDir, { user: 'alice', project: 'pT', type: 'job.stale' });
    const got = await s.waitFor(2);
    assert.deepEqual(got.map((e) => Number(e.id)), [failed, stale]);
    const bad = await open('/v2/pT/events?types=run.failed,run.exploded', headers('alice', 'pT'));
    assert.equal(bad.status, 400);
    await bad.waitEnd();
    assert.match(JSON.parse(bad.text).description, /unknown event type 'run\.exploded'/);
    const page = await Api.v2(server().url, 'pT', 'alice').get('/events?types=nope');
    assert.equal(page.status, 400);
    assert.match(page.json.description, /'nope'/);
  });

  it('events: another project’s or another user’s events never reach a stream; v1 sees the user’s own', async () => {
    const mine = await open('/v2/pI/events', headers('alice', 'pI'));
    const v1 = await open('/v1/events', { 'X-User-Id': 'alice' });
    const bobs = await open('/v2/pI/events', headers('bob', 'pI'));
    await emitEvent(server().dataDir, { user: 'alice', project: 'pOther', type: 'run.failed', data: { secret: 'other-project' } });
    await emitEvent(server().dataDir, { user: 'bob', project: 'pI', type: 'run.failed', data: { secret: 'bob' } });
    const own = await emitEvent(server().dataDir, { user: 'alice', project: 'pI', type: 'run.failed', data: { own: true } });
    const v1Own = await emitEvent(server().dataDir, { user: 'alice', project: null, type: 'client.silent', data: { v1: true } });
    const got = await mine.waitFor(1);
    assert.equal(Number(got[0].id), own);
    const bobGot = await bobs.waitFor(1);
    assert.deepEqual(bobGot.map((e) => JSON.parse(e.data).data), [{ secret: 'bob' }]);
    // v1: every document of the user, whatever its project (as v1 job lists in noauth).
    const v1Got = await v1.waitFor(3);
    assert.ok(v1Got.every((e) => JSON.parse(e.data).data.secret !== 'bob'));
    assert.ok(v1Got.some((e) => Number(e.id) === v1Own));
    // Give the tail a few polls: nothing else arrives (a nothing-happens window).
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(mine.events.length, 1, JSON.stringify(mine.events));
    assert.equal(bobs.events.length, 1, JSON.stringify(bobs.events));
    const page = await Api.v2(server().url, 'pI', 'alice').get('/events');
    assert.deepEqual(page.json.events.map((e: { id: number }) => e.id), [own]);
  });

  it('events: the JSON page (no event-stream Accept): since, limit, oldest first; bad parameters are 400s', async () => {
    const api = Api.v2(server().url, 'pJ', 'carol');
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push(await emitEvent(server().dataDir, { user: 'carol', project: 'pJ', type: 'run.succeeded', data: { i } }));
    const all = await api.get('/events');
    assert.equal(all.status, 200);
    assert.deepEqual(all.json.events.map((e: { id: number }) => e.id), ids);
    const page = await api.get(`/events?since=${ids[1]}&limit=2`);
    assert.deepEqual(page.json.events.map((e: { id: number }) => e.id), [ids[2], ids[3]]);
    assert.deepEqual(page.json.events[0].data, { i: 2 });
    for (const [q, pattern] of [
      ['?limit=0', /limit: must be a whole number from 1 to 1000/],
      ['?limit=5000', /limit/],
      ['?since=-1', /since/],
      ['?since=abc', /since/],
      ['?offset=3', /unknown query parameter 'offset'/],
    ] as const) {
      const res = await api.get(`/events${q}`);
      assert.equal(res.status, 400, q);
      assert.match(res.json.description, pattern, q);
    }
    const badId = await open('/v2/pJ/events', { ...headers('carol', 'pJ'), 'Last-Event-ID': 'yesterday' });
    assert.equal(badId.status, 400);
    await badId.waitEnd();
    assert.match(JSON.parse(badId.text).description, /Last-Event-ID/);
    const limitOnStream = await open('/v2/pJ/events?limit=3', headers('carol', 'pJ'));
    assert.equal(limitOnStream.status, 400);
  });
});

describe('events: permafrost events emit refuses bad input', function () {
  this.timeout(30_000);

  it('events emit: an unknown type, data that is not a JSON object, or no database is a one-line error', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-emit-'));
    try {
      await assert.rejects(emitEvent(dir, { user: 'u', project: 'p', type: 'run.exploded' }), /--type: unknown event type 'run\.exploded'/);
      await assert.rejects(emitEvent(dir, { user: 'u', project: 'p', type: 'run.failed', data: [1, 2] }), /--data: must be a JSON object/);
      await assert.rejects(emitEvent(dir, { user: 'u', project: 'p', type: 'run.failed' }), /no Permafrost database at .*permafrost\.db .*permafrost db sync/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('events: runs emit through the events service (the EventSink wired in server.ts)', function () {
  this.timeout(60_000);
  const server = useServer({ env: { ...FAST, PERMAFROST_WEBHOOKS_ALLOW_PRIVATE_TARGETS: 'true', PERMAFROST_WEBHOOKS_POLL_MS: '100' } });

  it('events: a run that starts and fails reaches the project’s stream and webhook, with the run document', async () => {
    const api = Api.v2(server().url, 'pRun', 'alice');
    const rx = new WebhookReceiver();
    await rx.start();
    const s = await SseClient.open(`${server().url}/v2/pRun/events`, headers('alice', 'pRun'));
    const other = await SseClient.open(`${server().url}/v2/pRun/events`, headers('bob', 'pRun'));
    try {
      assert.equal((await api.post('/webhooks', { url: rx.url, secret: 'whsec-run-events-0123456789', events: ['run.failed'] })).status, 201);
      const job = await api.post('/jobs', { client_id: 'hostA', job_schedule: {}, job_actions: [{ freezer_action: { action: 'backup', backup_name: 'b', path_to_backup: '/srv' } }] });
      assert.equal(job.status, 201, job.text);
      const opened = await api.post('/runs', { job_id: job.json.job_id, trigger: 'schedule', status: 'running', agent: { host: 'hostA', pid: 1, version: 't' } });
      assert.equal(opened.status, 201, opened.text);
      const runId = opened.json.run_id as string;
      const failed = await api.patch(`/runs/${runId}`, { status: 'fail', reason: 'Critical Error: tar exited with code 2' });
      assert.equal(failed.status, 200, failed.text);
      const got = await s.waitFor(2);
      assert.deepEqual(got.map((e) => e.event), ['run.started', 'run.failed']);
      const [started, ended] = s.datas();
      assert.equal(started.data.run_id, runId);
      assert.equal(ended.data.run_id, runId);
      assert.equal(ended.data.status, 'fail');
      assert.equal(ended.data.reason, 'Critical Error: tar exited with code 2');
      const [hit] = await rx.waitFor(1);
      assert.equal(hit.headers['x-permafrost-event'], 'run.failed');
      assert.equal(JSON.parse(hit.body).data.run_id, runId);
      await new Promise((r) => setTimeout(r, 300)); // nothing-happens window for the other user's stream and the filter
      assert.equal(other.events.length, 0, 'another user of the project hears nothing');
      assert.equal(rx.received.length, 1, 'run.started is not in the webhook filter');
    } finally {
      s.close();
      other.close();
      await rx.stop();
    }
  });
});

describe('events: --workers 2 and shutdown', function () {
  this.timeout(60_000);
  let server: RunningServer | null = null;
  afterEach(async () => {
    await server?.stop();
    server = null;
  });

  it('events: with --workers 2 every stream (on either worker) gets every event of its project, in order', async () => {
    server = await startServer({ env: FAST, args: ['--workers', '2'] });
    const s = server;
    // Several connections: the kernel spreads them over both workers.
    const streams = await Promise.all(Array.from({ length: 6 }, () => SseClient.open(`${s.url}/v2/pW/events`, headers('alice', 'pW'))));
    try {
      const ids: number[] = [];
      for (let i = 0; i < 4; i++) ids.push(await emitEvent(s.dataDir, { user: 'alice', project: 'pW', type: 'run.failed', data: { i } }));
      for (const st of streams) assert.deepEqual((await st.waitFor(4)).map((e) => Number(e.id)), ids);
      // Events emitted by requests, each answered by either worker, reach streams on both.
      const api = Api.v2(s.url, 'pW', 'alice');
      const job = await api.post('/jobs', { client_id: 'hostW', job_schedule: {}, job_actions: [{ freezer_action: { action: 'backup', backup_name: 'b', path_to_backup: '/srv' } }] });
      const runs: string[] = [];
      for (let i = 0; i < 4; i++) {
        const opened = await api.post('/runs', { job_id: job.json.job_id, trigger: 'schedule', status: 'running', agent: { host: 'hostW', pid: i, version: 't' } });
        assert.equal(opened.status, 201, opened.text);
        runs.push(opened.json.run_id as string);
      }
      for (const st of streams) {
        await st.waitFor(8);
        assert.deepEqual(st.datas().slice(4).map((d) => d.data.run_id), runs);
        const seen = st.events.map((e) => Number(e.id));
        assert.deepEqual(seen, [...seen].sort((x, y) => x - y), 'in id order');
      }
    } finally {
      for (const st of streams) st.close();
    }
  });

  it('events: stopping the server ends open streams cleanly, and it exits 0', async () => {
    server = await startServer({ env: FAST });
    const st = await SseClient.open(`${server.url}/v2/pS/events`, headers('alice', 'pS'));
    assert.equal(st.status, 200);
    const exit = new Promise<number | null>((resolve) => server?.proc.once('exit', (code) => resolve(code)));
    server.proc.kill('SIGTERM');
    await st.waitEnd();
    assert.equal(st.error, null, 'ended, not reset');
    assert.equal(await exit, 0);
  });
});
