import assert from 'node:assert/strict';
import { Api, type Response } from '../helpers/http';
import { useServer } from '../helpers/server';

/**
 * Every write route of v1 and v2 fed with malformed and wrong-shaped bodies: each answers exactly
 * what docs/compatibility.md promises where a row cites this test (rows 4 and 6), 753 for
 * malformed JSON, and elsewhere a 2xx or a 4xx with a JSON error body, never a 5xx or a dropped
 * connection.
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
    // 60,000 levels (360 KB) stay under body_limit (512 KiB), so it is the depth scan that answers.
    ['deep nesting inside a valid document', `{"container":"c","hostname":"h","backup_name":"b","client_id":"projA_h","job_actions":[],"schedule":{},"x":${'{"a":'.repeat(60000)}1${'}'.repeat(60000)}}`],
    ['lone surrogates and NULs', '{"container":"\\ud800","hostname":"h\\u0000","backup_name":"\\udfff","client_id":"\\ud800","description":"\\u0000","schedule":{}}'],
    ['a search with 2000 conditions', { match: Array.from({ length: 1000 }, (_, i) => ({ [`k${i}`]: 'v' })), match_not: Array.from({ length: 1000 }, (_, i) => ({ [`n${i}`]: i })) }],
    ['operators as keys', { $where: '1', 'a.b': { $gt: 1 }, __proto__x: 1, constructor: { prototype: 1 } }],
  ];

  /** Bodies that are JSON but not an object; the first three are falsy in the reference (Python). */
  const FALSY = ['empty array', 'null', 'empty object'];
  const NOT_OBJECTS = ['array of numbers', 'string', 'number', 'true'];
  /** Routes whose reference answers "Missing request body" to a falsy body. */
  const MISSING_BODY = ['POST /backups', 'POST /clients', 'POST /actions', 'POST /actions/{id}', 'POST /sessions', 'POST /sessions/{id}'];

  /**
   * The status (and title) docs/compatibility.md promises for a body on a route, citing this
   * test, or null where no row does: row 6 (depth past limits: 400), row 4 (JSON that is not
   * an object on POST/PATCH: 400 Bad request format; a falsy one keeps "Missing request body"
   * where the reference has it). Malformed JSON is Freezer's 753 (this suite's own claim).
   */
  function promise(method: string, route: string, body: string): { status: number; title?: string; description?: string; row: string } | null {
    if (body.startsWith('deep nesting')) return { status: 400, title: 'Bad request format', row: 'row 6' };
    if (body === 'malformed JSON' || body === 'truncated JSON') return { status: 753, row: 'Freezer malformed JSON' };
    if (method !== 'POST' && method !== 'PATCH') return null;
    if (NOT_OBJECTS.includes(body)) return { status: 400, title: 'Bad request format', row: 'row 4' };
    if (FALSY.includes(body) && MISSING_BODY.includes(`${method} ${route}`)) return { status: 400, title: 'Bad request format', description: 'Missing request body', row: 'row 4' };
    return null;
  }

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
          const at = `${method} ${path} <${name}>: ${res.status} ${res.text.slice(0, 120)}`;
          const promised = promise(method, [job, session, action].reduce((p, id) => p.split(id).join('{id}'), path), name);
          if (promised) {
            const wrong = res.status !== promised.status || (promised.title && res.json?.title !== promised.title) || (promised.description && res.json?.description !== promised.description);
            if (wrong) failures.push(`${at} (docs/compatibility.md ${promised.row}: ${promised.status} ${promised.title ?? ''} ${promised.description ?? ''})`);
          } else {
            // No row promises a status here: a 4xx with a title or a 2xx, never a 5xx.
            const okStatus = (res.status >= 200 && res.status < 300) || (res.status >= 400 && res.status < 500);
            const hasTitle = res.status < 400 || typeof res.json?.title === 'string';
            if (!okStatus || !hasTitle) failures.push(at);
          }
          if (/sqlite|SQL|at .*\.js|Error:/i.test(res.text)) failures.push(`${method} ${path} <${name}> leaks internals: ${res.text.slice(0, 120)}`);
        }
      }
      assert.deepEqual(failures, []);
      // And the server is still there, with the documents intact.
      assert.equal((await api.get(`/jobs/${job}`)).status, 200);
    });
  }
});
