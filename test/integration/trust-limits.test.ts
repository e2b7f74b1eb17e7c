import assert from 'node:assert/strict';
import { Api, request, type Response } from '../helpers/http';
import { useServer } from '../helpers/server';

function keys(n: number, prefix = 'k'): Record<string, number> {
  const o: Record<string, number> = {};
  for (let i = 0; i < n; i++) o[`${prefix}${i}`] = i;
  return o;
}

function nested(levels: number, leaf: unknown = 1): unknown {
  let v = leaf;
  for (let i = 0; i < levels; i++) v = { n: v };
  return v;
}

const backup = (extra: Record<string, unknown>) => ({ container: 'c', hostname: 'h', backup_name: 'b', ...extra });

function refused(res: Response, status: number, message: RegExp, what: string): void {
  assert.equal(res.status, status, `${what}: ${res.text.slice(0, 300)}`);
  assert.match(res.json?.description ?? '', message, what);
}

describe('trust 9: every request body is bounded before it is parsed (default limits)', function () {
  this.timeout(60000);
  const server = useServer();
  let api: Api;
  before(() => {
    api = Api.v2(server().url, 'limits_p', 'limits');
  });

  it('trust 9: more than limits.max_keys object keys (counted over every level) is a 413 naming the setting; exactly the limit is stored', async () => {
    // 4 keys at the top plus 4996 inside: 5000 in all.
    assert.equal((await api.post('/backups', backup({ m: keys(4996) }))).status, 201);
    refused(await api.post('/backups', backup({ m: keys(4997) })), 413, /^The request body has more than 5000 object keys \(setting limits\.max_keys, PERMAFROST_MAX_KEYS\)$/, 'keys');
    refused(await api.post('/backups', backup({ m: Array.from({ length: 2500 }, (_, i) => ({ a: i, b: i })) })), 413, /max_keys/, 'keys spread over array elements');
    refused(await api.get('/jobs', { match: [keys(6000)] }), 413, /max_keys/, 'a search body');
    refused(await api.patch('/sessions/x', { jobs: keys(6000) }), 413, /max_keys/, 'a patch');
  });

  it('trust 9: nesting past limits.max_depth is a 400, strings and arrays past theirs a 413, each naming its setting', async () => {
    assert.equal((await api.post('/backups', backup({ d: nested(15) }))).status, 201, '16 levels with the body itself');
    refused(await api.post('/backups', backup({ d: nested(16) })), 400, /^The request body has nesting deeper than 16 levels \(setting limits\.max_depth, PERMAFROST_MAX_DEPTH\)$/, 'depth');
    assert.equal((await api.post('/backups', backup({ d: '['.repeat(17) + ']'.repeat(17), e: ':,'.repeat(6000) }))).status, 201, 'brackets, colons and commas inside strings do not count');
    assert.equal((await api.post('/backups', backup({ s: 'x'.repeat(65536) }))).status, 201);
    refused(await api.post('/backups', backup({ s: 'x'.repeat(65537) })), 413, /^The request body has a string longer than 65536 characters \(setting limits\.max_string_length, PERMAFROST_MAX_STRING_LENGTH\)$/, 'string');
    refused(await api.post('/backups', backup({ ['k'.repeat(65537)]: 1 })), 413, /max_string_length/, 'a key is a string too');
    refused(await api.post('/backups', backup({ s: `${'\\"'.repeat(32768)}x` })), 413, /max_string_length/, 'escapes count as sent');
    assert.equal((await api.post('/backups', backup({ a: Array.from({ length: 10000 }, () => 0) }))).status, 201);
    refused(await api.post('/backups', backup({ a: Array.from({ length: 10001 }, () => 0) })), 413, /^The request body has an array of more than 10000 items \(setting limits\.max_array_items, PERMAFROST_MAX_ARRAY_ITEMS\)$/, 'array');
  });

  it('trust 9: a body over body_limit (default 512 KiB) is a 413 naming the setting, from Content-Length', async () => {
    assert.equal((await api.post('/backups', backup({ t: Array.from({ length: 8 }, () => 'y'.repeat(65000)) }))).status, 201);
    refused(await api.post('/backups', backup({ t: Array.from({ length: 9 }, () => 'y'.repeat(60000)) })), 413, /larger than the limit of 524288 bytes \(setting body_limit, PERMAFROST_BODY_LIMIT\)/, 'size');
  });

  it('trust 9: a stored document cannot grow past the limits through merges (session jobs): 413, and the session stays usable', async () => {
    const sid = (await api.post('/sessions', { schedule: {}, hold_off: 0 })).json.session_id as string;
    let last: Response | null = null;
    for (let i = 0; i < 5; i++) {
      last = await api.patch(`/sessions/${sid}`, { jobs: keys(4000, `j${i}_`) });
      if (last.status !== 200) break;
    }
    refused(last as Response, 413, /^The document would have more than 10000 object keys once stored \(2 times the setting limits\.max_keys, PERMAFROST_MAX_KEYS\)$/, 'grown session');
    assert.equal(Object.keys((await api.get(`/sessions/${sid}`)).json.jobs).length, 8000, 'the refused merge changed nothing');
    assert.equal((await api.patch(`/sessions/${sid}`, { description: 'still fine' })).status, 200);
  });

  it('control: other requests, the healthcheck included, are served after each refusal', async () => {
    const hc = await request(`${server().url}/healthcheck`);
    assert.equal(hc.status, 200);
    assert.equal((await api.get('/backups?limit=1')).status, 200);
    assert.doesNotMatch(server().logs(), /unhandled error/);
  });
});

describe('trust 9: the limits are configurable (environment)', function () {
  this.timeout(60000);
  const server = useServer({
    env: { PERMAFROST_MAX_KEYS: '20', PERMAFROST_MAX_DEPTH: '5', PERMAFROST_MAX_STRING_LENGTH: '300', PERMAFROST_MAX_ARRAY_ITEMS: '30', PERMAFROST_BODY_LIMIT: '8mb' },
  });

  it('trust 9: each PERMAFROST_MAX_* setting moves its limit; the reported 200,000-key document is refused by the key count', async () => {
    const api = Api.v2(server().url, 'p', 'u');
    assert.equal((await api.post('/backups', backup({ m: keys(16) }))).status, 201);
    refused(await api.post('/backups', backup({ m: keys(17) })), 413, /more than 20 object keys/, 'keys');
    assert.equal((await api.post('/backups', backup({ d: nested(4) }))).status, 201);
    refused(await api.post('/backups', backup({ d: nested(5) })), 400, /deeper than 5 levels/, 'depth');
    refused(await api.post('/backups', backup({ s: 'x'.repeat(301) })), 413, /longer than 300 characters/, 'string');
    refused(await api.post('/backups', backup({ a: Array.from({ length: 31 }, () => 0) })), 413, /more than 30 items/, 'array');
    const reported = JSON.stringify(backup({ m: keys(200000, 'key_number_') }));
    assert.ok(reported.length > 3_500_000);
    refused(await api.post('/backups', reported), 413, /more than 20 object keys/, 'the reported document');
  });
});
