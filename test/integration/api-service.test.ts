import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { Api, request } from '../helpers/http';
import { useServer } from '../helpers/server';

describe('HTTP behaviour common to every route (spec A.1, A.3.1-A.3.2, A.5.1)', () => {
  const server = useServer();
  let api: Api;
  before(() => {
    api = Api.v2(server().url, 'projA', 'alice');
  });

  const job = (description = 'j') => ({ client_id: 'projA_host1', description, job_actions: [{ freezer_action: { action: 'backup' } }] });

  it('warns loudly in the log that noauth trusts identity headers', () => {
    assert.match(server().logs(), /AUTH IS DISABLED \(noauth\)/);
  });

  it('GET / answers 300 with the versions document, without auth or request id', async () => {
    const res = await request(`${server().url}/`, { headers: { 'X-Identity-Status': 'Invalid' } });
    assert.equal(res.status, 300);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    assert.equal(res.headers['x-openstack-request-id'], undefined);
    assert.deepEqual(
      res.json.versions.map((v: { id: string; status: string }) => [v.id, v.status]),
      [
        ['v2', 'CURRENT'],
        ['v1', 'DEPRECATED'],
      ],
    );
    assert.equal(res.json.versions[0].links[0].href, `${server().url}/v2/`);
    assert.equal((await request(`${server().url}/`, { method: 'POST' })).status, 405);
  });

  it('GET /v1 and /v2 (with or without a slash) answer the JSON-home document', async () => {
    for (const [p, template] of [
      ['/v2', '/v2/{project_id}/backups/{backup_id}'],
      ['/v2/', '/v2/{project_id}/backups/{backup_id}'],
      ['/v1/', '/v1/backups/{backup_id}'],
    ]) {
      const res = await request(`${server().url}${p}`);
      assert.equal(res.status, 200, p);
      assert.equal(res.headers['content-type'], 'application/json-home');
      assert.equal(res.json.resources['rel/backups']['href-template'], template);
      assert.match(res.text, /\n {4}"resources"/, 'pretty-printed with 4 spaces');
    }
    assert.equal((await request(`${server().url}/v2`, { headers: { Accept: 'text/html' } })).status, 406);
  });

  it('/healthcheck answers OK to GET and HEAD without auth; 503 while the disable file exists', async () => {
    const res = await request(`${server().url}/healthcheck`, { headers: { 'X-Identity-Status': 'Invalid' } });
    assert.equal(res.status, 200);
    assert.equal(res.text, 'OK');
    assert.match(String(res.headers['content-type']), /^text\/plain/);
    assert.equal((await request(`${server().url}/healthcheck`, { method: 'HEAD' })).status, 200);
    const flag = path.join(server().dataDir, 'healthcheck_disable');
    fs.writeFileSync(flag, '');
    try {
      const off = await request(`${server().url}/healthcheck`);
      assert.equal(off.status, 503);
      assert.equal(off.text, 'DISABLED BY FILE');
    } finally {
      fs.rmSync(flag);
    }
    assert.equal((await request(`${server().url}/healthcheck`)).status, 200);
  });

  it('unknown paths answer 404 {"title":"404 Not Found"}', async () => {
    for (const p of ['/nope', '/v2/projA', '/v2/projA/nothing', '/v3/x', '/v2/projA/jobs/a/b/c']) {
      const res = await request(`${server().url}${p}`);
      assert.equal(res.status, 404, p);
      assert.deepEqual(res.json, { title: '404 Not Found' }, p);
      assert.equal(res.headers.vary, 'Accept');
    }
  });

  it('a known path with an unrouted method answers 405 with Allow; OPTIONS answers 200 with Allow', async () => {
    const res = await api.call('DELETE', '/jobs');
    assert.equal(res.status, 405);
    assert.deepEqual(res.json, { title: '405 Method Not Allowed' });
    assert.equal(res.headers.allow, 'GET, POST, OPTIONS');
    assert.equal((await api.call('PUT', '/jobs/abc')).headers.allow, 'DELETE, GET, PATCH, POST, OPTIONS');
    assert.equal((await api.call('PATCH', '/backups/abc')).status, 405);
    assert.equal((await api.call('GET', '/jobs/abc/event')).status, 405);
    const opt = await api.call('OPTIONS', '/jobs/abc');
    assert.equal(opt.status, 200);
    assert.equal(opt.text, '');
    assert.equal(opt.headers.allow, 'DELETE, GET, PATCH, POST');
  });

  it('HEAD on an API resource answers 405 with no body', async () => {
    const created = await api.post('/jobs', job());
    const res = await api.call('HEAD', `/jobs/${created.json.job_id}`);
    assert.equal(res.status, 405);
    assert.equal(res.text, '');
    assert.equal((await api.call('HEAD', '/jobs')).status, 405);
  });

  it('answers 406 with an empty body when Accept does not admit JSON', async () => {
    for (const accept of ['text/html', 'application/xml']) {
      const res = await api.call('GET', '/jobs', undefined, { Accept: accept });
      assert.equal(res.status, 406, accept);
      assert.equal(res.text, '');
    }
    for (const accept of ['application/json', '*/*', 'application/*', 'text/html, application/json;q=0.5']) {
      assert.equal((await api.call('GET', '/jobs', undefined, { Accept: accept })).status, 200, accept);
    }
  });

  it('ignores trailing slashes', async () => {
    const created = await api.post('/jobs/', job('slash'));
    assert.equal(created.status, 201);
    assert.equal((await api.get(`/jobs/${created.json.job_id}/`)).json.description, 'slash');
    assert.equal((await api.get('/jobs/?limit=1')).status, 200);
  });

  it('answers 753 Malformed JSON for a body that is not JSON, on any method', async () => {
    for (const [method, p] of [
      ['POST', '/jobs'],
      ['PATCH', '/jobs/x'],
      ['GET', '/jobs'],
      ['POST', '/sessions/x/action'],
    ]) {
      const res = await api.call(method, p, '{"client_id": ');
      assert.equal(res.status, 753, `${method} ${p}`);
      assert.deepEqual(res.json, { title: 'Malformed JSON' });
    }
  });

  it('parses JSON whatever Content-Type says', async () => {
    const res = await api.call('POST', '/jobs', JSON.stringify(job('as-text')), { 'Content-Type': 'text/plain' });
    assert.equal(res.status, 201);
    assert.equal((await api.get(`/jobs/${res.json.job_id}`)).json.description, 'as-text');
  });

  it('reads a chunked body (no Content-Length) instead of ignoring it', async () => {
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(`${server().url}/v2/projA/jobs`, { method: 'POST', headers: { 'X-User-Id': 'alice' }, agent: false }, (r) => {
        let body = '';
        r.on('data', (c: Buffer) => (body += c.toString()));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.write(JSON.stringify(job('chunked')).slice(0, 20));
      req.end(JSON.stringify(job('chunked')).slice(20));
    });
    assert.equal(res.status, 201, res.body);
    assert.equal((await api.get(`/jobs/${JSON.parse(res.body).job_id}`)).json.description, 'chunked');
  });

  it('sends x-openstack-request-id on API answers, echoing the caller id with req- in front', async () => {
    const res = await api.get('/jobs');
    assert.match(String(res.headers['x-openstack-request-id']), /^req-[0-9a-f-]{36}$/);
    assert.equal((await api.call('GET', '/jobs', undefined, { 'X-Openstack-Request-ID': 'abc' })).headers['x-openstack-request-id'], 'req-abc');
    assert.equal((await api.call('GET', '/jobs', undefined, { 'X-Openstack-Request-ID': 'req-xyz' })).headers['x-openstack-request-id'], 'req-xyz');
    assert.match(String((await api.get('/jobs/missing')).headers['x-openstack-request-id']), /^req-/);
  });

  it('answers 401 to X-Identity-Status: Invalid, with a WWW-Authenticate header', async () => {
    const res = await api.call('GET', '/jobs', undefined, { 'X-Identity-Status': 'Invalid' });
    assert.equal(res.status, 401);
    assert.equal(res.json.error.code, 401);
    assert.ok(res.headers['www-authenticate']);
    assert.equal(res.headers['x-openstack-request-id'], undefined);
  });

  describe('limit and offset (spec A.5.1)', () => {
    let ids: string[];
    before(async () => {
      const pager = Api.v2(server().url, 'pager', 'alice');
      ids = [];
      for (let i = 0; i < 13; i++) ids.push((await pager.post('/jobs', job(`p${i}`))).json.job_id);
    });
    const page = async (query: string, body?: unknown) =>
      (await Api.v2(server().url, 'pager', 'alice').get(`/jobs${query}`, body)).json.jobs.map((j: { job_id: string }) => j.job_id);

    it('defaults to 10 in insertion order; limit and offset select a window', async () => {
      assert.deepEqual(await page(''), ids.slice(0, 10));
      assert.deepEqual(await page('?limit=0'), ids.slice(0, 10));
      assert.deepEqual(await page('?limit='), ids.slice(0, 10));
      assert.deepEqual(await page('?limit=2&offset=3'), ids.slice(3, 5));
      assert.deepEqual(await page('?limit=100000'), ids);
      assert.deepEqual(await page('?offset=-5&limit=2'), ids.slice(0, 2));
    });

    it('a negative limit means no limit, with or without a search body', async () => {
      assert.deepEqual(await page('?limit=-1'), ids);
      assert.deepEqual(await page('?limit=-1', { match: [{ client_id: 'projA_host1' }] }), ids);
    });

    it('rejects limits and offsets that are not integers', async () => {
      for (const q of ['?limit=abc', '?limit=1.5', '?offset=x', '?offset=2e3']) {
        const res = await Api.v2(server().url, 'pager', 'alice').get(`/jobs${q}`);
        assert.equal(res.status, 400, q);
        assert.equal(res.json.title, 'Invalid parameter');
        const name = q.startsWith('?limit') ? 'limit' : 'offset';
        assert.equal(res.json.description, `The "${name}" parameter is invalid. The value must be an integer.`);
      }
    });
  });
});

describe('clients that stall mid-request', () => {
  const server = useServer({ env: { PERMAFROST_REQUEST_TIMEOUT_MS: '1000' } });

  it('get 408 and are disconnected after request_timeout_ms, and the server keeps serving', async () => {
    const started = Date.now();
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(server().port, '127.0.0.1', () => {
        socket.write('POST /v2/p/backups HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"conta');
      });
      let data = '';
      socket.on('data', (d: Buffer) => (data += d.toString()));
      socket.on('close', () => resolve(data));
      socket.on('error', reject);
      setTimeout(() => reject(new Error('the server kept the stalled connection open')), 10000);
    });
    assert.match(answer, /^HTTP\/1\.1 408/);
    assert.ok(Date.now() - started < 5000);
    assert.equal((await Api.v2(server().url, 'p', 'alice').get('/backups')).status, 200);
  });

  // The server's clientError handler (streamed-requests.ts) answers these as Node itself does.
  const rawAnswer = (text: string) =>
    new Promise<string>((resolve, reject) => {
      const socket = net.connect(server().port, '127.0.0.1', () => socket.write(text));
      let data = '';
      socket.on('data', (d: Buffer) => (data += d.toString()));
      socket.on('close', () => resolve(data));
      socket.on('error', reject);
    });

  it('get 431 for headers over the size limit, 400 for a request that is not HTTP, and are disconnected', async () => {
    const big = await rawAnswer(`GET /v2/p/backups HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20 * 1024)}\r\n\r\n`);
    assert.match(big, /^HTTP\/1\.1 431 Request Header Fields Too Large\r\nConnection: close\r\n/);
    const garbage = await rawAnswer('NOT HTTP AT ALL\r\n\r\n');
    assert.match(garbage, /^HTTP\/1\.1 400 Bad Request\r\nConnection: close\r\n/);
    assert.equal((await Api.v2(server().url, 'p', 'alice').get('/backups')).status, 200);
  });
});

describe('request body size limit', () => {
  const server = useServer({ env: { PERMAFROST_BODY_LIMIT: '64kb' } });

  it('answers 413 to a body over the limit, and keeps serving', async () => {
    const api = Api.v2(server().url, 'p', 'alice');
    const big = { container: 'c', hostname: 'h', backup_name: 'b', blob: 'x'.repeat(70 * 1024) };
    const res = await api.post('/backups', big);
    assert.equal(res.status, 413);
    assert.equal(res.json.title, 'Request Entity Too Large');
    const ok = await api.post('/backups', { ...big, blob: 'x'.repeat(60 * 1024) });
    assert.equal(ok.status, 201);
    assert.equal((await api.get('/backups')).json.backups.length, 1);
  });
});
