import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import { Api, request, type Response } from '../helpers/http';
import { emitEvent } from '../helpers/events-cli';
import { adminToken, createProject, createTenant, JWT_ENV, login, v3, type Tenant } from '../helpers/identity';
import { freePort, startServer, useServer, type RunningServer } from '../helpers/server';
import { SseClient } from '../helpers/sse';
import { WebhookReceiver, type Received } from '../helpers/webhook-receiver';

/**
 * Webhooks (issue 12, item 5) against real servers and real receivers on 127.0.0.1: signed
 * deliveries, retries with backoff, the delivery log, nothing lost while a receiver is down (even
 * across a restart), the secret never shown, SSRF refusal, bad input, and who may do what.
 */
const BASE_DELAY_MS = 300;
const FAST = {
  PERMAFROST_EVENTS_POLL_MS: '50',
  PERMAFROST_WEBHOOKS_POLL_MS: '100',
  PERMAFROST_WEBHOOKS_BASE_DELAY_MS: String(BASE_DELAY_MS),
  PERMAFROST_WEBHOOKS_MAX_ATTEMPTS: '4',
  PERMAFROST_WEBHOOKS_TIMEOUT_MS: '2000',
  PERMAFROST_WEBHOOKS_ALLOW_PRIVATE_TARGETS: 'true',
};
const SECRET = 'whsec-7f3a9c1e5b2d4f60a8c7e9b1d3f5a7c9';

function verify(r: Received, secret: string): void {
  const timestamp = String(r.headers['x-permafrost-timestamp']);
  const expected = `sha256=${createHmac('sha256', secret).update(`${timestamp}.${r.body}`).digest('hex')}`;
  assert.equal(r.headers['x-permafrost-signature'], expected, 'the signature verifies with the secret');
  assert.ok(Math.abs(Number(timestamp) - Date.now() / 1000) < 120, 'the timestamp is now');
}

async function waitDeliveries(api: Api, hookId: string, done: (ds: Array<Record<string, any>>) => boolean, timeoutMs = 15_000) { // eslint-disable-line @typescript-eslint/no-explicit-any
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await api.get(`/webhooks/${hookId}/deliveries`);
    assert.equal(res.status, 200, res.text);
    if (done(res.json.deliveries)) return res.json.deliveries as Array<Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
    if (Date.now() > deadline) throw new Error(`delivery log not as expected: ${res.text}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('webhooks: signed deliveries, retries and the delivery log', function () {
  this.timeout(90_000);
  const server = useServer({ env: FAST });
  const receivers: WebhookReceiver[] = [];
  /** Every answer of the webhook routes in this suite, to look for the secret in. */
  const answers: Response[] = [];
  const receiver = async (script: number[] = []) => {
    const r = new WebhookReceiver(script);
    await r.start();
    receivers.push(r);
    return r;
  };
  const api = (user: string, project: string) => {
    const a = Api.v2(server().url, project, user);
    const call = a.call.bind(a);
    a.call = async (...args: Parameters<Api['call']>) => {
      const res = await call(...args);
      answers.push(res);
      return res;
    };
    return a;
  };
  after(async () => {
    for (const r of receivers) await r.stop();
  });

  it('webhooks: an event is posted signed (HMAC-SHA256 of timestamp.body), with its headers and body', async () => {
    const r = await receiver();
    const a = api('alice', 'pD');
    const created = await a.post('/webhooks', { url: r.url, secret: SECRET, description: 'ops' });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.json.secret_set, true);
    assert.deepEqual(created.json.events, []);
    assert.equal(created.json.enabled, true);
    const id = await emitEvent(server().dataDir, { user: 'alice', project: 'pD', type: 'run.failed', data: { run_id: 'r1', reason: 'disk full' } });
    const [got] = await r.waitFor(1);
    verify(got, SECRET);
    assert.equal(got.headers['x-permafrost-event'], 'run.failed');
    assert.match(String(got.headers['x-permafrost-delivery']), /^[0-9a-f]{32}$/);
    assert.match(String(got.headers['content-type']), /^application\/json/);
    const body = JSON.parse(got.body);
    assert.deepEqual(Object.keys(body).sort(), ['data', 'id', 'project_id', 'time', 'type']);
    assert.equal(body.id, id);
    assert.equal(body.project_id, 'pD');
    assert.deepEqual(body.data, { run_id: 'r1', reason: 'disk full' });
    const [d] = await waitDeliveries(a, created.json.webhook_id, (ds) => ds[0]?.state === 'delivered');
    assert.equal(d.delivery_id, got.headers['x-permafrost-delivery']);
    assert.equal(d.event_id, id);
    assert.equal(d.event_type, 'run.failed');
    assert.equal(d.next_attempt_at, null);
    assert.equal(d.attempts.length, 1);
    assert.equal(d.attempts[0].status_code, 200);
    assert.equal(d.attempts[0].error, null);
  });

  it('webhooks: a failing receiver is retried with exponential backoff, then delivered; the log shows every attempt', async () => {
    const r = await receiver([500, 503, 200]);
    const a = api('alice', 'pRetry');
    const hook = (await a.post('/webhooks', { url: r.url, secret: SECRET })).json.webhook_id as string;
    await emitEvent(server().dataDir, { user: 'alice', project: 'pRetry', type: 'run.aborted' });
    const got = await r.waitFor(3);
    // One delivery, attempted three times; each attempt signed afresh.
    assert.equal(new Set(got.map((g) => g.headers['x-permafrost-delivery'])).size, 1);
    for (const g of got) verify(g, SECRET);
    assert.ok(got[1].at - got[0].at >= BASE_DELAY_MS, `2nd attempt after ${got[1].at - got[0].at} ms`);
    assert.ok(got[2].at - got[1].at >= 2 * BASE_DELAY_MS, `3rd attempt after ${got[2].at - got[1].at} ms (doubled)`);
    const [d] = await waitDeliveries(a, hook, (ds) => ds[0]?.state === 'delivered');
    assert.deepEqual(d.attempts.map((t: { status_code: number }) => t.status_code), [500, 503, 200]);
    assert.ok(d.attempts[1].at - d.attempts[0].at >= BASE_DELAY_MS / 1000);
  });

  it('webhooks: a delivery is given up after max_attempts (failed, no next attempt)', async () => {
    const r = await receiver(Array(20).fill(500));
    const a = api('alice', 'pGiveUp');
    const hook = (await a.post('/webhooks', { url: r.url, secret: SECRET })).json.webhook_id as string;
    await emitEvent(server().dataDir, { user: 'alice', project: 'pGiveUp', type: 'run.failed' });
    const [d] = await waitDeliveries(a, hook, (ds) => ds[0]?.state === 'failed', 30_000);
    assert.equal(d.attempts.length, 4);
    assert.equal(d.next_attempt_at, null);
    assert.ok(d.attempts.every((t: { status_code: number }) => t.status_code === 500));
    // Nothing-happens window: a fifth attempt would come within a few backoff delays.
    await new Promise((res) => setTimeout(res, 4 * BASE_DELAY_MS));
    assert.equal(r.received.length, 4, 'no attempt after giving up');
  });

  it('webhooks: a receiver that never answers is cut off at webhooks.timeout_ms and retried', async () => {
    const sockets = new Set<import('node:net').Socket>();
    const hanging = http.createServer(() => undefined);
    hanging.on('connection', (s) => sockets.add(s));
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', () => resolve()));
    try {
      const a = api('alice', 'pHang');
      const port = (hanging.address() as import('node:net').AddressInfo).port;
      const hook = (await a.post('/webhooks', { url: `http://127.0.0.1:${port}/slow`, secret: SECRET })).json.webhook_id as string;
      await emitEvent(server().dataDir, { user: 'alice', project: 'pHang', type: 'run.failed' });
      const [d] = await waitDeliveries(a, hook, (ds) => ds[0]?.attempts.length >= 1, 20_000);
      assert.equal(d.attempts[0].status_code, null);
      assert.equal(d.attempts[0].error, 'timeout: no answer within 2000 ms');
      assert.ok(d.attempts[0].duration_ms >= 2000);
      assert.equal(d.state, 'pending', 'retried later');
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => hanging.close(resolve));
    }
  });

  it('webhooks: the event filter and enabled are honoured; another project’s or user’s events never reach a webhook', async () => {
    const failedOnly = await receiver();
    const disabled = await receiver();
    const otherProject = await receiver();
    const otherUser = await receiver();
    const a = api('alice', 'pF');
    const f = await a.post('/webhooks', { url: failedOnly.url, secret: SECRET, events: ['run.failed', 'job.stale'] });
    assert.deepEqual(f.json.events, ['run.failed', 'job.stale']);
    const off = await a.post('/webhooks', { url: disabled.url, secret: SECRET, enabled: false });
    assert.equal(off.json.enabled, false);
    await api('alice', 'pF2').post('/webhooks', { url: otherProject.url, secret: SECRET });
    await api('bob', 'pF').post('/webhooks', { url: otherUser.url, secret: SECRET });
    await emitEvent(server().dataDir, { user: 'alice', project: 'pF', type: 'run.started' });
    const failed = await emitEvent(server().dataDir, { user: 'alice', project: 'pF', type: 'run.failed' });
    const [got] = await failedOnly.waitFor(1);
    assert.equal(JSON.parse(got.body).id, failed);
    // Nothing-happens window: run.started (emitted first) was already passed over; the other hooks must stay silent.
    await new Promise((res) => setTimeout(res, 800));
    assert.equal(failedOnly.received.length, 1, 'run.started was filtered out');
    assert.equal(disabled.received.length, 0);
    assert.equal(otherProject.received.length, 0);
    assert.equal(otherUser.received.length, 0);
    // Enabling it: later events go out.
    const on = await a.patch(`/webhooks/${off.json.webhook_id as string}`, { enabled: true });
    assert.equal(on.status, 200, on.text);
    await emitEvent(server().dataDir, { user: 'alice', project: 'pF', type: 'run.succeeded' });
    await disabled.waitFor(1);
  });

  it('webhooks: GET, list and PATCH never show the secret; a new secret signs the next deliveries', async () => {
    const r = await receiver();
    const a = api('alice', 'pS');
    const created = await a.post('/webhooks', { url: r.url, secret: SECRET, events: ['run.failed'] });
    const id = created.json.webhook_id as string;
    const one = await a.get(`/webhooks/${id}`);
    assert.equal(one.status, 200);
    assert.deepEqual(one.json, created.json);
    assert.ok(!('secret' in one.json));
    const list = await a.get('/webhooks');
    assert.deepEqual(list.json.webhooks.map((w: { webhook_id: string }) => w.webhook_id), [id]);
    const newSecret = 'whsec-rotated-0a1b2c3d4e5f6a7b8c9d';
    const patched = await a.patch(`/webhooks/${id}`, { secret: newSecret, description: 'rotated' });
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.json.description, 'rotated');
    assert.equal(patched.json.secret_set, true);
    await emitEvent(server().dataDir, { user: 'alice', project: 'pS', type: 'run.failed' });
    const [got] = await r.waitFor(1);
    verify(got, newSecret);
    await a.get(`/webhooks/${id}/deliveries`);
    for (const res of answers) {
      assert.ok(!res.text.includes(SECRET) && !res.text.includes(newSecret), `an answer shows a secret: ${res.text}`);
    }
    assert.ok(!server().logs().includes(SECRET) && !server().logs().includes(newSecret), 'a secret is in the logs');
  });

  it('webhooks: bad input is a 400 naming the problem; unknown webhooks are 404; DELETE removes it and its log', async () => {
    const a = api('alice', 'pBad');
    const cases: Array<[unknown, RegExp]> = [
      [{ url: 'http://127.0.0.1:9/x' }, /secret/],
      [{ url: 'http://127.0.0.1:9/x', secret: 'short-secret' }, /^secret: must be a string of 16 to 256 characters$/],
      [{ url: 'http://127.0.0.1:9/x', secret: 1234567890123456789 }, /^secret: must be a string/],
      [{ url: 'http://127.0.0.1:9/x', secret: SECRET, colour: 'red' }, /colour/],
      [{ url: 'http://127.0.0.1:9/x', secret: SECRET, events: ['run.exploded'] }, /run\.exploded|events/],
      [{ url: 'ftp://127.0.0.1/x', secret: SECRET }, /only http and https/],
      [{ url: 'not a url', secret: SECRET }, /not an absolute URL/],
      [{ url: 'http://user:pw@127.0.0.1:9/x', secret: SECRET }, /credentials/],
      [{ url: 42, secret: SECRET }, /url|string/],
    ];
    for (const [body, pattern] of cases) {
      const res = await a.post('/webhooks', body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.match(res.json.description, pattern, JSON.stringify(body));
      assert.ok(!res.text.includes('short-secret'), 'a refused secret is not echoed');
    }
    const empty = await a.post('/webhooks');
    assert.equal(empty.status, 400);
    const hook = (await a.post('/webhooks', { url: 'http://127.0.0.1:9/x', secret: SECRET })).json.webhook_id as string;
    for (const [body, pattern] of [
      [{}, /fewer than 1|minProperties|Missing request body/],
      [{ secret_set: false }, /secret_set/],
      [{ enabled: 'yes' }, /enabled|boolean/],
      [{ secret: 'tiny' }, /^secret: must be/],
    ] as Array<[unknown, RegExp]>) {
      const res = await a.patch(`/webhooks/${hook}`, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.match(res.json.description, pattern, JSON.stringify(body));
    }
    assert.equal((await a.get(`/webhooks/${hook}/deliveries?limit=0`)).status, 400);
    const unknownParam = await a.get('/webhooks?project=all');
    assert.equal(unknownParam.status, 400);
    assert.match(unknownParam.json.description, /unknown query parameter 'project'/);
    assert.equal((await a.get('/webhooks/0123456789abcdef0123456789abcdef')).status, 404);
    assert.equal((await a.patch('/webhooks/0123456789abcdef0123456789abcdef', { enabled: false })).status, 404);
    assert.equal((await a.delete(`/webhooks/${hook}`)).status, 204);
    assert.equal((await a.get(`/webhooks/${hook}`)).status, 404);
    assert.equal((await a.get(`/webhooks/${hook}/deliveries`)).status, 404);
    // As for jobs: v2 answers 204 when there was nothing, v1 says what was missing.
    assert.equal((await a.delete(`/webhooks/${hook}`)).status, 204);
    const v1 = await Api.v1(server().url, 'alice').delete(`/webhooks/${hook}`);
    assert.equal(v1.status, 404);
    assert.match(v1.json.description, /No webhook found with ID:/);
    // At most 50 per project (each event costs a delivery per webhook).
    const many = api('alice', 'pMany');
    for (let i = 0; i < 50; i++) assert.equal((await many.post('/webhooks', { url: `http://127.0.0.1:9/${i}`, secret: SECRET })).status, 201);
    const tooMany = await many.post('/webhooks', { url: 'http://127.0.0.1:9/51', secret: SECRET });
    assert.equal(tooMany.status, 400);
    assert.match(tooMany.json.description, /at most 50 webhooks per project/);
  });
});

describe('webhooks: a receiver that is down loses nothing, across a server restart', function () {
  this.timeout(90_000);
  let server: RunningServer | null = null;
  const r = new WebhookReceiver();
  after(async () => {
    await r.stop();
    await server?.stop();
  });

  it('webhooks: deliveries are stored before they are attempted, and retried after kill -9 and a restart', async () => {
    const env = { ...FAST, PERMAFROST_WEBHOOKS_BASE_DELAY_MS: '500', PERMAFROST_WEBHOOKS_MAX_ATTEMPTS: '8' };
    server = await startServer({ env });
    const port = await freePort();
    const a = Api.v2(server.url, 'pDown', 'alice');
    const hook = (await a.post('/webhooks', { url: `http://127.0.0.1:${port}/hook`, secret: SECRET })).json.webhook_id as string;
    const ids = [
      await emitEvent(server.dataDir, { user: 'alice', project: 'pDown', type: 'run.failed', data: { n: 1 } }),
      await emitEvent(server.dataDir, { user: 'alice', project: 'pDown', type: 'run.succeeded', data: { n: 2 } }),
    ];
    const failing = await waitDeliveries(a, hook, (ds) => ds.length === 2 && ds.every((d) => d.attempts.length >= 1));
    for (const d of failing) {
      assert.equal(d.state, 'pending');
      assert.equal(d.attempts[0].status_code, null);
      assert.match(d.attempts[0].error, /ECONNREFUSED/);
      assert.equal(typeof d.next_attempt_at, 'number');
    }
    await server.kill9();
    await r.start(port);
    server = await startServer({ env, dataDir: server.dataDir });
    const got = await r.waitFor(2, 30_000);
    assert.deepEqual(got.map((g) => JSON.parse(g.body).id).sort((x: number, y: number) => x - y), ids);
    for (const g of got) verify(g, SECRET);
    const done = await waitDeliveries(Api.v2(server.url, 'pDown', 'alice'), hook, (ds) => ds.every((d) => d.state === 'delivered'));
    for (const d of done) assert.equal(d.attempts[d.attempts.length - 1].status_code, 200);
    await new Promise((res) => setTimeout(res, 1000)); // nothing-happens window: no second delivery
    assert.equal(r.received.length, 2, 'each delivered once');
  });

  it('webhooks: with --workers 2 each delivery is attempted by one worker', async () => {
    await server?.stop();
    server = await startServer({ env: FAST, args: ['--workers', '2'] });
    const rx = new WebhookReceiver();
    await rx.start();
    try {
      const a = Api.v2(server.url, 'pW2', 'alice');
      await a.post('/webhooks', { url: rx.url, secret: SECRET });
      for (let i = 0; i < 5; i++) await emitEvent(server.dataDir, { user: 'alice', project: 'pW2', type: 'run.succeeded', data: { i } });
      await rx.waitFor(5);
      await new Promise((res) => setTimeout(res, 1000)); // nothing-happens window: no delivery by the other worker too
      assert.equal(rx.received.length, 5, 'no delivery twice');
      assert.equal(new Set(rx.received.map((g) => g.headers['x-permafrost-delivery'])).size, 5);
    } finally {
      await rx.stop();
    }
  });
});

describe('webhooks: SSRF guard (webhooks.allow_private_targets false, the default)', function () {
  this.timeout(60_000);
  const server = useServer({});

  it('webhooks: targets on loopback, private, link-local or mapped addresses are refused with a 400', async () => {
    const a = Api.v2(server().url, 'pSsrf', 'alice');
    for (const url of [
      'http://127.0.0.1:8080/hook',
      'http://localhost:8080/hook',
      'http://[::1]/hook',
      'http://[::ffff:127.0.0.1]/hook',
      'http://169.254.169.254/latest/meta-data',
      'http://10.1.2.3/hook',
      'http://192.168.1.1/hook',
      'http://172.16.0.1/hook',
      'http://0.0.0.0/hook',
    ]) {
      const res = await a.post('/webhooks', { url, secret: SECRET });
      assert.equal(res.status, 400, url);
      assert.match(res.json.description, /loopback, private or link-local/, url);
      const ok = await a.post('/webhooks', { url: 'https://hooks.example.invalid/in', secret: SECRET });
      assert.equal(ok.status, 201);
      const patch = await a.patch(`/webhooks/${ok.json.webhook_id as string}`, { url });
      assert.equal(patch.status, 400, `PATCH ${url}`);
    }
  });
});

describe('webhooks and events: who may do what (auth=jwt)', function () {
  this.timeout(90_000);
  const server = useServer({ env: { ...JWT_ENV, ...FAST } });
  let alice: Tenant;
  let bob: Tenant;
  let rita: Tenant;
  let agent: string;
  let project: string;
  let hook: string;

  before(async () => {
    const url = server().url;
    const admin = await adminToken(url);
    project = await createProject(url, admin, 'events-policy');
    alice = await createTenant(url, admin, { projectId: project, user: 'ev-alice', role: 'member' });
    bob = await createTenant(url, admin, { projectId: project, user: 'ev-bob', role: 'member' });
    rita = await createTenant(url, admin, { projectId: project, user: 'ev-rita', role: 'reader' });
    const cred = await v3(url, alice.token, 'POST', `/users/${alice.userId}/application_credentials`, { application_credential: { name: 'agent', client_id: 'hostA' } });
    assert.equal(cred.status, 201, cred.text);
    const agentLogin = await login(url, {
      identity: { methods: ['application_credential'], application_credential: { id: cred.json.application_credential.id, secret: cred.json.application_credential.secret } },
    });
    agent = agentLogin.headers['x-subject-token'] as string;
    const created = await alice.api.post('/webhooks', { url: 'https://hooks.example.invalid/in', secret: SECRET });
    assert.equal(created.status, 201, created.text);
    hook = created.json.webhook_id as string;
  });

  const as = (token: string) => new Api(server().url, `/v2/${project}`, { 'X-Auth-Token': token });

  it('webhooks: a reader reads but cannot create, change or delete', async () => {
    assert.equal((await rita.api.get('/webhooks')).status, 200);
    assert.equal((await rita.api.get('/events')).status, 200);
    assert.equal((await rita.api.post('/webhooks', { url: 'https://hooks.example.invalid/r', secret: SECRET })).status, 403);
    assert.equal((await rita.api.patch(`/webhooks/${hook}`, { enabled: false })).status, 403);
    assert.equal((await rita.api.delete(`/webhooks/${hook}`)).status, 403);
  });

  it('webhooks: another user of the project sees neither the webhook nor the owner’s events', async () => {
    assert.deepEqual((await bob.api.get('/webhooks')).json.webhooks, []);
    assert.equal((await bob.api.get(`/webhooks/${hook}`)).status, 404);
    assert.equal((await bob.api.patch(`/webhooks/${hook}`, { enabled: false })).status, 404);
    assert.equal((await bob.api.delete(`/webhooks/${hook}`)).status, 204, 'v2: nothing there for bob (as for jobs)');
    assert.equal((await alice.api.get(`/webhooks/${hook}`)).status, 200, 'still there');
    assert.equal((await bob.api.get(`/webhooks/${hook}/deliveries`)).status, 404);
    const bobStream = await SseClient.open(`${server().url}/v2/${project}/events`, { 'X-Auth-Token': bob.token });
    const aliceStream = await SseClient.open(`${server().url}/v2/${project}/events`, { 'X-Auth-Token': alice.token });
    try {
      const id = await emitEvent(server().dataDir, { user: alice.userId, project, type: 'run.failed' });
      assert.equal(Number((await aliceStream.waitFor(1))[0].id), id);
      await new Promise((r) => setTimeout(r, 500)); // nothing-happens window: bob's stream stays empty
      assert.equal(bobStream.events.length, 0);
      assert.deepEqual((await bob.api.get('/events')).json.events, []);
    } finally {
      bobStream.close();
      aliceStream.close();
    }
  });

  it('webhooks: an agent (client-limited) token may use neither events nor webhooks', async () => {
    const a = as(agent);
    assert.equal((await a.get('/events')).status, 403);
    assert.equal((await a.get('/webhooks')).status, 403);
    assert.equal((await a.get(`/webhooks/${hook}`)).status, 403);
    assert.equal((await a.post('/webhooks', { url: 'https://hooks.example.invalid/a', secret: SECRET })).status, 403);
    const s = await SseClient.open(`${server().url}/v2/${project}/events`, { 'X-Auth-Token': agent });
    assert.equal(s.status, 403);
    s.close();
  });

  it('webhooks: another project’s URL is refused (403), and without a token 401', async () => {
    const url = server().url;
    const other = await createProject(url, await adminToken(url), 'events-other');
    assert.equal((await request(`${url}/v2/${other}/webhooks`, { headers: { 'X-Auth-Token': alice.token } })).status, 403);
    assert.equal((await request(`${url}/v2/${other}/events`, { headers: { 'X-Auth-Token': alice.token } })).status, 403);
    assert.equal((await request(`${url}/v2/${project}/events`)).status, 401);
  });
});
