import assert from 'node:assert/strict';
import { Api, type Response } from '../helpers/http';
import { useServer } from '../helpers/server';

/**
 * Every write route of v1 and v2 fed with malformed and wrong-shaped bodies: each must answer a
 * 4xx (or 753 for malformed JSON) with a JSON error body, never a 5xx or a dropped connection.
 */
describe('bad input on every write route answers 4xx, never 5xx', function () {
  this.timeout(60000);
  const server = useServer();

  const BODIES: Array<[string, unknown]> = [
    ['malformed JSON', '{"a": '],
    ['truncated JSON', '[{'],
    ['empty array', '[]'],
    ['array of numbers', '[1, 2]'],
    ['string', '"str"'],
    ['number', '123'],
    ['null', 'null'],
    ['true', 'true'],
    ['empty object', '{}'],
    ['wrong types', { client_id: 5, job_actions: 'x', freezer_action: 7, schedule: 'x', session_tag: {}, job_schedule: [] }],
    ['nested junk', { job_actions: [1, null, 'x', []], freezer_action: { action: ['x'] }, schedule: { status: 5 } }],
    ['deep nesting', '['.repeat(200000) + ']'.repeat(200000)],
    ['deep nesting inside a valid document', `{"container":"c","hostname":"h","backup_name":"b","client_id":"projA_h","job_actions":[],"schedule":{},"x":${'{"a":'.repeat(100000)}1${'}'.repeat(100000)}}`],
    ['lone surrogates and NULs', '{"container":"\\ud800","hostname":"h\\u0000","backup_name":"\\udfff","client_id":"\\ud800","description":"\\u0000","schedule":{}}'],
    ['a search with 2000 conditions', { match: Array.from({ length: 1000 }, (_, i) => ({ [`k${i}`]: 'v' })), match_not: Array.from({ length: 1000 }, (_, i) => ({ [`n${i}`]: i })) }],
    ['operators as keys', { $where: '1', 'a.b': { $gt: 1 }, __proto__x: 1, constructor: { prototype: 1 } }],
  ];

  for (const [version, make] of [
    ['v2', (url: string) => Api.v2(url, 'projA', 'alice')],
    ['v1', (url: string) => Api.v1(url, 'alice')],
  ] as const) {
    it(`${version}: every POST, PATCH and PUT route`, async () => {
      const api = make(server().url);
      const job = (await api.post('/jobs', { client_id: 'projA_h', job_actions: [{ freezer_action: { action: 'backup' } }] })).json.job_id;
      const session = (await api.post('/sessions', { schedule: {} })).json.session_id;
      const action = (await api.post('/actions', { freezer_action: { action: 'backup' } })).json.action_id;
      const routes: Array<[string, string]> = [
        ['POST', '/backups'],
        ['POST', '/clients'],
        ['POST', '/jobs'],
        ['POST', `/jobs/${job}`],
        ['PATCH', `/jobs/${job}`],
        ['POST', `/jobs/${job}/event`],
        ['POST', '/actions'],
        ['POST', `/actions/${action}`],
        ['PATCH', `/actions/${action}`],
        ['POST', '/sessions'],
        ['POST', `/sessions/${session}`],
        ['PATCH', `/sessions/${session}`],
        ['POST', `/sessions/${session}/action`],
        ['PUT', `/sessions/${session}/jobs/${job}`],
        ['GET', '/jobs'],
        ['GET', '/backups'],
      ];
      const failures: string[] = [];
      for (const [method, path] of routes) {
        for (const [name, body] of BODIES) {
          const raw = typeof body === 'string' ? body : JSON.stringify(body);
          let res: Response;
          try {
            res = await api.call(method, path, raw);
          } catch (err) {
            failures.push(`${method} ${path} <${name}>: ${(err as Error).message}`);
            continue;
          }
          const okStatus = (res.status >= 200 && res.status < 300) || (res.status >= 400 && res.status < 500) || res.status === 753;
          const hasTitle = res.status < 400 || typeof res.json?.title === 'string';
          if (!okStatus || !hasTitle) failures.push(`${method} ${path} <${name}>: ${res.status} ${res.text.slice(0, 120)}`);
          if (/sqlite|SQL|at .*\.js|Error:/i.test(res.text)) failures.push(`${method} ${path} <${name}> leaks internals: ${res.text.slice(0, 120)}`);
        }
      }
      assert.deepEqual(failures, []);
      // And the server is still there, with the documents intact.
      assert.equal((await api.get(`/jobs/${job}`)).status, 200);
    });
  }
});
