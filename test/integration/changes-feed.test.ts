import assert from 'node:assert/strict';
import { Api, request } from '../helpers/http';
import { startServer, useServer, type RunningServer } from '../helpers/server';

/**
 * The wait-for-change channel (issue 12, contract 4): GET /clients/{client_id}/changes answers at
 * once when the client's jobs changed since the cursor, else holds the request until a job of
 * that client is inserted, changed or deleted (in any worker), or the wait runs out.
 */

interface Waited {
  status: number;
  cursor: string;
  ms: number;
  text: string;
}

/** One (long) poll of the channel, timed. */
async function changes(api: Api, clientId: string, params: Record<string, string | number> = {}): Promise<Waited> {
  const qs = new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)])).toString();
  const started = Date.now();
  const res = await request(`${api.root}${api.base}/clients/${clientId}/changes${qs ? `?${qs}` : ''}`, { headers: api.headers, timeoutMs: 60000 });
  return { status: res.status, cursor: res.json?.cursor as string, ms: Date.now() - started, text: res.text };
}

function jobBody(clientId: string, description = 'feed') {
  return { client_id: clientId, description, job_schedule: {}, job_actions: [{ freezer_action: { action: 'backup', backup_name: 'x' } }] };
}

/** Starts a long poll, waits until the server holds it, runs `write`, and returns the poll's answer. */
async function wokenBy(api: Api, clientId: string, since: string, write: () => Promise<unknown>, waitS = 30): Promise<Waited & { latencyMs: number }> {
  const pending = changes(api, clientId, { since, wait: waitS });
  // Not synchronisation the answer depends on: had the write come first, the poll would be answered
  // at once all the same (the cursor is the state). It lets the server hold the poll, the case measured.
  await new Promise((r) => setTimeout(r, 300));
  const wrote = Date.now();
  await write();
  const answer = await pending;
  return { ...answer, latencyMs: Date.now() - wrote };
}

describe('wait-for-change channel: GET /clients/{client_id}/changes', function () {
  this.timeout(60000);
  const server = useServer();
  const alice = () => Api.v2(server().url, 'projF', 'alice');

  it('answers at once without a cursor, and keeps the cursor while nothing changes', async () => {
    const first = await changes(alice(), 'hostF');
    assert.equal(first.status, 200, first.text);
    assert.equal(JSON.parse(first.text).client_id, 'hostF');
    assert.ok(first.ms < 1000);
    const again = await changes(alice(), 'hostF', { since: first.cursor, wait: 0 });
    assert.equal(again.cursor, first.cursor);
    const held = await changes(alice(), 'hostF', { since: first.cursor, wait: 1 });
    assert.equal(held.status, 200);
    assert.equal(held.cursor, first.cursor, 'no change: the same cursor after the wait');
    assert.ok(held.ms >= 900, `held for the wait (${held.ms} ms)`);
  });

  it('wakes a waiter within 2 s on a job insert, update, event and delete of its client (latency printed)', async () => {
    const api = alice();
    let cursor = (await changes(api, 'hostL')).cursor;
    let jobId = '';
    const steps: Array<[string, () => Promise<unknown>]> = [
      ['insert', async () => (jobId = (await api.post('/jobs', jobBody('hostL'))).json.job_id as string)],
      ['patch', () => api.patch(`/jobs/${jobId}`, { description: 'changed' })],
      ['event', () => api.post(`/jobs/${jobId}/event`, { abort: null })],
      ['delete', () => api.delete(`/jobs/${jobId}`)],
    ];
    for (const [what, write] of steps) {
      const answer = await wokenBy(api, 'hostL', cursor, write);
      assert.equal(answer.status, 200, answer.text);
      assert.notEqual(answer.cursor, cursor, `${what}: a new cursor`);
      assert.ok(answer.latencyMs < 2000, `${what}: answered ${answer.latencyMs} ms after the write`);
      console.log(`      change feed latency (${what}): ${answer.latencyMs} ms`);
      cursor = answer.cursor;
    }
  });

  it('wakes the waiters of both clients when a job moves from one client to another', async () => {
    const api = alice();
    const jobId = (await api.post('/jobs', jobBody('hostM1'))).json.job_id as string;
    const c1 = (await changes(api, 'hostM1')).cursor;
    const c2 = (await changes(api, 'hostM2')).cursor;
    const w1 = changes(api, 'hostM1', { since: c1, wait: 30 });
    const w2 = changes(api, 'hostM2', { since: c2, wait: 30 });
    await new Promise((r) => setTimeout(r, 300)); // lets the server hold both polls (see wokenBy)
    await api.patch(`/jobs/${jobId}`, { client_id: 'hostM2' });
    const [a1, a2] = await Promise.all([w1, w2]);
    assert.notEqual(a1.cursor, c1);
    assert.notEqual(a2.cursor, c2);
    assert.ok(a1.ms < 2500 && a2.ms < 2500, `${a1.ms} / ${a2.ms} ms`);
  });

  it('answers at once when a change came between two polls (the cursor is the state, not a timer)', async () => {
    const api = alice();
    const cursor = (await changes(api, 'hostR')).cursor;
    await api.post('/jobs', jobBody('hostR'));
    const answer = await changes(api, 'hostR', { since: cursor, wait: 30 });
    assert.notEqual(answer.cursor, cursor);
    assert.ok(answer.ms < 1000, `${answer.ms} ms`);
  });

  it('is not woken, and learns nothing, by changes of another project, another user or another client', async () => {
    const api = alice();
    const cursor = (await changes(api, 'hostI')).cursor;
    const otherProject = Api.v2(server().url, 'projOther', 'alice');
    const otherUser = Api.v2(server().url, 'projF', 'bob');
    const pending = changes(api, 'hostI', { since: cursor, wait: 2 });
    await new Promise((r) => setTimeout(r, 300)); // lets the server hold the poll; the writes after must not wake it
    assert.equal((await otherProject.post('/jobs', jobBody('hostI'))).status, 201);
    assert.equal((await otherUser.post('/jobs', jobBody('hostI'))).status, 201);
    assert.equal((await api.post('/jobs', jobBody('hostOther'))).status, 201);
    const answer = await pending;
    assert.equal(answer.cursor, cursor, 'the same cursor: nothing of its own changed');
    assert.ok(answer.ms >= 1900, `held for the whole wait (${answer.ms} ms)`);
    // Bob's view of hostI holds his job only, and a reader of projF sees no job at all.
    assert.match((await changes(otherUser, 'hostI')).cursor, /^1\./);
    const reader = Api.v2(server().url, 'projF', 'rita', { 'X-Roles': 'reader' });
    const read = await changes(reader, 'hostI');
    assert.equal(read.status, 200);
    assert.match(read.cursor, /^0\./);
  });

  it('answers 400 naming the problem for unknown or bad parameters, 405 for other methods', async () => {
    const api = alice();
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ bogus: '1' }, /'bogus' was unexpected/],
      [{ wait: 'soon' }, /'soon' does not match/],
      [{ wait: '-1' }, /'-1' does not match/],
      [{ wait: '1e3' }, /'1e3' does not match/],
      [{ since: 'x'.repeat(200) }, /must NOT have more than 128 characters/],
    ];
    for (const [params, message] of cases) {
      const res = await changes(api, 'hostB', params);
      assert.equal(res.status, 400, `${JSON.stringify(params)}: ${res.text}`);
      assert.match(JSON.parse(res.text).description, message);
      assert.match(JSON.parse(res.text).description, /^Bad query of a change request/);
    }
    const twice = await request(`${server().url}/v2/projF/clients/hostB/changes?wait=1&wait=2`, { headers: api.headers });
    assert.equal(twice.status, 400, twice.text);
    assert.equal((await api.post('/clients/hostB/changes', {})).status, 405);
  });

  it('cuts a wait longer than feed.max_wait to it', async function () {
    const short = await startServer({ env: { PERMAFROST_FEED_MAX_WAIT: '1' } });
    try {
      const api = Api.v2(short.url, 'projF', 'alice');
      const cursor = (await changes(api, 'hostW')).cursor;
      const answer = await changes(api, 'hostW', { since: cursor, wait: 30 });
      assert.equal(answer.status, 200);
      assert.ok(answer.ms < 5000 && answer.ms >= 900, `held ${answer.ms} ms (max_wait 1 s)`);
    } finally {
      await short.stop();
    }
  });
});

describe('wait-for-change channel across --workers 2', function () {
  this.timeout(60000);
  let server: RunningServer;
  before(async () => {
    server = await startServer({ args: ['--workers', '2'] });
  });
  after(() => server.stop());

  it('a write in one worker wakes waiters held by both workers within 2 s (latency printed)', async () => {
    const api = Api.v2(server.url, 'projW', 'alice');
    const cursor = (await changes(api, 'hostW')).cursor;
    for (let round = 0; round < 3; round++) {
      // Connections are spread over the workers round-robin: eight waiters are in both.
      const waiters = Array.from({ length: 8 }, () => changes(api, 'hostW', { since: cursor, wait: 30 }));
      await new Promise((r) => setTimeout(r, 500)); // lets both workers hold their waiters (see wokenBy)
      const wrote = Date.now();
      const created = await api.post('/jobs', jobBody('hostW', `round ${round}`));
      assert.equal(created.status, 201);
      const answers = await Promise.all(waiters);
      const latency = Date.now() - wrote;
      for (const a of answers) assert.notEqual(a.cursor, cursor);
      assert.ok(latency < 2000, `all eight answered ${latency} ms after the write`);
      console.log(`      change feed latency over 2 workers (8 waiters): ${latency} ms`);
      assert.equal((await api.delete(`/jobs/${created.json.job_id as string}`)).status, 204);
    }
  });
});
