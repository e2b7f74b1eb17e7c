import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { waitFor } from '../helpers/agent';
import { request, type Response } from '../helpers/http';
import { adminToken, createProject, createTenant, JWT_ENV, login, v3, type Tenant } from '../helpers/identity';
import { parsePrometheusText, type Family } from '../helpers/prometheus-text';
import { startServer, type RunningServer } from '../helpers/server';

const HTTP = 'permafrost_http_request_duration_seconds';
const STORE = 'permafrost_store_operation_duration_seconds';
const LAST_SUCCESS = 'permafrost_job_last_success_timestamp_seconds';

function scrape(res: Response): Map<string, Family> {
  assert.equal(res.status, 200, res.text);
  assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(res.text);
}

function family(families: Map<string, Family>, name: string): Family {
  const f = families.get(name);
  assert.ok(f, `no ${name} family in /metrics (families: ${[...families.keys()].join(', ')})`);
  return f;
}

/** The value of the one sample of `name` with these labels (0 when there is none). */
function valueOf(f: Family, name: string, labels: Record<string, string>): number {
  const s = f.samples.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v));
  return s?.value ?? 0;
}

const hex = () => randomBytes(16).toString('hex');

describe('metrics: GET /metrics (auth=jwt, metrics_bind, metrics_series_limit 5)', function () {
  this.timeout(60_000);
  let metricsPort = 0;
  let server: RunningServer;
  let member: Tenant;
  let scraper: Tenant;
  let admin: string;
  let agentToken: string;

  before(async () => {
    server = await startServer({ env: { ...JWT_ENV, PERMAFROST_METRICS_BIND: '127.0.0.1:0', PERMAFROST_METRICS_SERIES_LIMIT: '5' } });
    metricsPort = server.metricsPort as number;
    admin = await adminToken(server.url);
    const project = await createProject(server.url, admin, 'observed');
    member = await createTenant(server.url, admin, { projectId: project, user: 'member1', role: 'member' });
    const role = await v3(server.url, admin, 'POST', '/roles', { role: { name: 'metrics' } });
    assert.equal(role.status, 201, role.text);
    scraper = await createTenant(server.url, admin, { projectId: project, user: 'prometheus', role: role.json.role.id as string });
    const cred = await v3(server.url, member.token, 'POST', `/users/${member.userId}/application_credentials`, { application_credential: { name: 'agent', client_id: 'host1' } });
    assert.equal(cred.status, 201, cred.text);
    const { id, secret } = cred.json.application_credential as { id: string; secret: string };
    const agentLogin = await login(server.url, { identity: { methods: ['application_credential'], application_credential: { id, secret } } });
    assert.equal(agentLogin.status, 201, agentLogin.text);
    agentToken = agentLogin.headers['x-subject-token'] as string;
  });
  after(async () => server?.stop());

  const get = (token?: string) => request(`${server.url}/metrics`, { headers: token ? { 'X-Auth-Token': token } : {} });

  it('metrics: /metrics on the API address is refused without a token (401), to a project member (403) and to an agent token (403)', async () => {
    const anonymous = await get();
    assert.equal(anonymous.status, 401);
    assert.doesNotMatch(anonymous.text, /permafrost_/);
    for (const token of [member.token, agentToken]) {
      const res = await get(token);
      assert.equal(res.status, 403, res.text);
      assert.doesNotMatch(res.text, /permafrost_/);
    }
  });

  it('metrics: a token with the metrics role, and the cloud admin, get the Prometheus text', async () => {
    for (const token of [scraper.token, admin]) {
      const families = scrape(await get(token));
      for (const name of [HTTP, STORE, 'process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'permafrost_api_processes']) {
        family(families, name);
      }
      assert.equal(family(families, 'permafrost_api_processes').samples[0].value, 1);
    }
  });

  it('metrics: metrics_bind serves /metrics without a token, and answers nothing else', async () => {
    const base = `http://127.0.0.1:${metricsPort}`;
    family(scrape(await request(`${base}/metrics`)), HTTP);
    // This address is not the API: its answers on API paths are not the API's (not recorded for the OpenAPI check).
    assert.equal((await request(`${base}/v2/${member.projectId}/jobs`, { headers: { 'X-Auth-Token': member.token }, record: false })).status, 404);
    assert.equal((await request(`${base}/metrics`, { method: 'POST', record: false })).status, 405);
  });

  it('metrics: requests are labelled by route template, method and status code, whatever ids the URLs carry', async () => {
    const ids = Array.from({ length: 60 }, hex);
    for (const id of ids) assert.equal((await member.api.get(`/jobs/${id}`)).status, 404);
    for (const id of ids.slice(0, 20)) assert.equal((await request(`${server.url}/no/such/${id}`, { headers: { 'X-Auth-Token': member.token } })).status, 404);
    const families = scrape(await get(scraper.token));
    const http = family(families, HTTP);
    assert.equal(http.type, 'histogram');
    assert.equal(valueOf(http, `${HTTP}_count`, { method: 'GET', route: '/v2/{project_id}/jobs/{job_id}', code: '404' }), 60);
    assert.ok(valueOf(http, `${HTTP}_count`, { method: 'GET', route: 'unmatched', code: '404' }) >= 20);
    // Every label value is a route template of /openapi.json (or "unmatched"); no id leaks in.
    const doc = (await request(`${server.url}/openapi.json`)).json as { paths: Record<string, unknown> };
    const templates = new Set([...Object.keys(doc.paths), 'unmatched']);
    const routes = new Set(http.samples.map((s) => s.labels.route));
    for (const route of routes) assert.ok(templates.has(route), `route label ${route} is not a route template`);
    for (const s of http.samples) {
      assert.deepEqual(Object.keys(s.labels).sort(), s.name.endsWith('_bucket') ? ['code', 'le', 'method', 'route'] : ['code', 'method', 'route']);
      assert.match(s.labels.code, /^[1-9]\d\d$/);
      assert.ok(!ids.some((id) => JSON.stringify(s.labels).includes(id)), `an id in ${JSON.stringify(s.labels)}`);
    }
    assert.ok(routes.size < 20, `route labels: ${[...routes].join(' ')}`);
  });

  it('metrics: store calls are timed by collection, operation and outcome', async () => {
    const store = family(scrape(await get(scraper.token)), STORE);
    assert.equal(store.type, 'histogram');
    assert.ok(valueOf(store, `${STORE}_count`, { collection: 'jobs', operation: 'getJson', outcome: 'ok' }) >= 60);
    assert.ok(valueOf(store, `${STORE}_count`, { collection: 'users', operation: 'get', outcome: 'ok' }) >= 1);
    const collections = new Set(store.samples.map((s) => s.labels.collection));
    for (const c of collections) assert.match(c, /^(jobs|actions|sessions|backups|clients|projects|users|roles|credentials|revocations|runs|freshness)$/);
  });

  it('metrics: per-job series are capped at metrics_series_limit, stalest first, and the rest are counted as dropped', async () => {
    const ended: Record<string, number> = {};
    for (let i = 0; i < 8; i++) {
      const job = await member.api.post('/jobs', { client_id: 'host1', job_actions: [], job_schedule: {}, description: `j${i}` });
      assert.equal(job.status, 201, job.text);
      ended[job.json.job_id as string] = 1_700_000_000 + (i * 37) % 8;
      const patched = await member.api.patch(`/jobs/${job.json.job_id}`, { job_schedule: { status: 'scheduled', result: 'success', time_ended: ended[job.json.job_id as string] } });
      assert.equal(patched.status, 200, patched.text);
    }
    // Store-backed families are read at most once a second: scraped until a reading covers the
    // eight jobs (shown or counted as dropped), then that reading is checked.
    const families = await waitFor('a reading of the store with the eight jobs', 10_000, async () => {
      const f = scrape(await get(scraper.token));
      const shown = f.get(LAST_SUCCESS)?.samples.length ?? 0;
      const dropped = f.get('permafrost_metrics_series_dropped');
      return shown + (dropped ? valueOf(dropped, 'permafrost_metrics_series_dropped', { family: LAST_SUCCESS }) : 0) >= 8 ? f : null;
    });
    const last = family(families, LAST_SUCCESS);
    assert.equal(last.type, 'gauge');
    assert.equal(last.samples.length, 5);
    const stalest = Object.entries(ended).sort((a, b) => a[1] - b[1]).slice(0, 5);
    for (const [jobId, at] of stalest) {
      assert.equal(valueOf(last, LAST_SUCCESS, { job_id: jobId, project_id: member.projectId, client_id: 'host1' }), at, `job ${jobId}`);
    }
    assert.equal(valueOf(family(families, 'permafrost_metrics_series_dropped'), 'permafrost_metrics_series_dropped', { family: LAST_SUCCESS }), 3);
    assert.equal(valueOf(family(families, 'permafrost_metrics_collector_up'), 'permafrost_metrics_collector_up', { family: LAST_SUCCESS }), 1);
  });

  it('metrics: backups recorded and the bytes they stored are counted', async () => {
    const before = scrape(await get(scraper.token));
    const count0 = family(before, 'permafrost_backups_recorded_total').samples[0].value;
    const bytes0 = family(before, 'permafrost_backup_stored_bytes_total').samples[0].value;
    for (const stored of [1234, 1000]) {
      const res = await member.api.post('/backups', { container: '/c', hostname: 'host1', backup_name: 'b', permafrost: { stored_bytes: stored } });
      assert.equal(res.status, 201, res.text);
    }
    assert.equal((await member.api.post('/backups', { container: '/c', hostname: 'host1', backup_name: 'stock' })).status, 201);
    const after = scrape(await get(scraper.token));
    assert.equal(family(after, 'permafrost_backups_recorded_total').samples[0].value - count0, 3);
    assert.equal(family(after, 'permafrost_backup_stored_bytes_total').samples[0].value - bytes0, 2234);
  });

  it('metrics: runs started and ended are counted by status, and a polling client has its last-seen time', async () => {
    const counts = (families: Map<string, Family>) => {
      const ended = (status: string) => valueOf(family(families, 'permafrost_runs_ended_total'), 'permafrost_runs_ended_total', { status });
      return { started: family(families, 'permafrost_runs_started_total').samples[0].value, success: ended('success'), fail: ended('fail'), aborted: ended('aborted') };
    };
    const before = counts(scrape(await get(scraper.token)));
    assert.equal((await member.api.post('/clients', { client_id: 'polling-host', hostname: 'polling.example' })).status, 201);
    const job = await member.api.post('/jobs', { client_id: 'polling-host', job_actions: [], job_schedule: {}, description: 'counted' });
    for (const end of ['fail', 'success', 'success']) {
      const run = await member.api.post('/runs', { job_id: job.json.job_id, trigger: 'schedule', status: 'running', agent: { host: 'h', pid: 1, version: 't' } });
      assert.equal(run.status, 201, run.text);
      assert.equal((await member.api.patch(`/runs/${run.json.run_id as string}`, { status: end })).status, 200);
    }
    const polledAt = Date.now() / 1000;
    assert.equal((await member.api.get('/jobs?limit=10', { match: [{ client_id: 'polling-host' }] })).status, 200);
    // The poll's last-seen time is written in the background, and store-backed families are read
    // at most once a second: scraped until a reading has the client (the runs were stored before).
    const after = await waitFor('a reading with the polling client', 10_000, async () => {
      const f = scrape(await get(scraper.token));
      const seen = f.get('permafrost_client_last_seen_timestamp_seconds');
      return seen && valueOf(seen, 'permafrost_client_last_seen_timestamp_seconds', { project_id: member.projectId, client_id: 'polling-host' }) > 0 ? f : null;
    });
    assert.deepEqual(counts(after), { started: before.started + 3, success: before.success + 2, fail: before.fail + 1, aborted: before.aborted });
    const seen = family(after, 'permafrost_client_last_seen_timestamp_seconds');
    assert.equal(seen.type, 'gauge');
    const at = valueOf(seen, 'permafrost_client_last_seen_timestamp_seconds', { project_id: member.projectId, client_id: 'polling-host' });
    assert.ok(Math.abs(at - polledAt) < 5, `last seen ${at}, polled at ${polledAt}`);
  });
});

describe('metrics: with --workers 2, a scrape shows the whole server', function () {
  this.timeout(60_000);
  let metricsPort = 0;
  let server: RunningServer;
  before(async () => {
    server = await startServer({ args: ['--workers', '2'], env: { PERMAFROST_METRICS_BIND: '127.0.0.1:0' } });
    metricsPort = server.metricsPort as number;
  });
  after(async () => server?.stop());

  it('metrics: requests answered by either worker are all counted, whichever worker answers the scrape', async () => {
    const base = server.url;
    const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    // Both workers report once both have started.
    const deadline = Date.now() + 15_000;
    for (;;) {
      const res = await request(metricsUrl);
      if (res.status === 200 && family(parsePrometheusText(res.text), 'permafrost_api_processes').samples[0].value === 2) break;
      assert.ok(Date.now() < deadline, `the scrape never covered 2 workers: ${res.status} ${res.text.slice(0, 200)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const headers = { 'X-User-Id': 'u1', 'X-Project-Id': 'p1' };
    for (let i = 0; i < 40; i++) assert.equal((await request(`${base}/v2/p1/clients`, { headers })).status, 200);
    // Several scrapes, on the metrics address and on the API port (noauth lets anyone in): each
    // reaches one worker, and each shows all 40.
    for (const url of [metricsUrl, metricsUrl, metricsUrl, `${base}/metrics`, `${base}/metrics`]) {
      const http = family(scrape(await request(url, { headers })), HTTP);
      assert.equal(valueOf(http, `${HTTP}_count`, { method: 'GET', route: '/v2/{project_id}/clients', code: '200' }), 40);
    }
  });
});
