import assert from 'node:assert/strict';
import fc from 'fast-check';
import { API_ROUTES } from '../../src/http/api-router';
import { findSchemaDir } from '../../src/validation';
import { Api, request, type Response } from '../helpers/http';
import { loadSchemas, schemaArbitrary, type JsonSchema } from '../helpers/schema-arbitrary';
import { useServer } from '../helpers/server';

/**
 * Property-based fuzzing of the whole API (issue 11, acceptance): bodies generated from every
 * request schema in schemas/, mutated with hostile keys and values, sent on every route of v1
 * and v2 with every method and hostile, foreign and real ids, as several hostile tenants. Each
 * answer must come back (no hang) and be below 500; afterwards a victim tenant's documents read
 * back byte for byte unchanged and its writes still succeed.
 *
 * Seeded and bounded: PERMAFROST_FUZZ_SEED and PERMAFROST_FUZZ_RUNS (default 250 requests per
 * server: strict and lenient freezer_action) make a run reproducible; the seed is printed at the
 * start and in any failure.
 */
const SEED = Number(process.env.PERMAFROST_FUZZ_SEED ?? Date.now() % 2_147_483_647);
const RUNS = Number(process.env.PERMAFROST_FUZZ_RUNS ?? 250);
/** Stateful chains per server (12 requests each). */
const CHAINS = Math.max(1, Math.round(RUNS / 6));
const REQUEST_TIMEOUT_MS = 10_000;

/** Configuration files, not requests: the only schemas the fuzzer does not send. */
const CONFIG_SCHEMAS = new Set(['config.json', 'agent_config.json']);
const SCHEMAS = loadSchemas(findSchemaDir());
const REQUEST_SCHEMAS = [...SCHEMAS.keys()].filter((id) => !CONFIG_SCHEMAS.has(id)).sort();

const ROUTES = API_ROUTES;
/** Route paths with the methods the API does not route there too (405), OPTIONS and HEAD. */
const METHODS = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'OPTIONS', 'HEAD'];

/** The schema a route's body naturally follows; other routes get a random request schema. */
const NATURAL: Record<string, string[]> = {
  'POST /jobs': ['job.json'],
  'POST /jobs/:job_id': ['job.json'],
  'PATCH /jobs/:job_id': ['job_patch.json'],
  'POST /actions': ['action.json', 'job_action.json'],
  'POST /actions/:action_id': ['action.json', 'job_action.json'],
  'PATCH /actions/:action_id': ['action_patch.json'],
  'POST /sessions': ['session.json'],
  'POST /sessions/:session_id': ['session_replace.json'],
  'PATCH /sessions/:session_id': ['session_patch.json'],
  'POST /clients': ['client.json'],
  'POST /runs': ['run_open.json'],
  'PATCH /runs/:run_id': ['run_report.json'],
  'POST /webhooks': ['webhook.json'],
  'PATCH /webhooks/:webhook_id': ['webhook_patch.json'],
};

const HOSTILE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  '$where',
  '$gt',
  'a.b.c',
  '.',
  '',
  'x'.repeat(300),
  'k'.repeat(65_537),
  'ключ',
  '🔑\u202e',
  '\ud800',
  'a\u0000b',
  'status',
  'job_id',
  'user_id',
  'project_id',
];

/** Marks a place in the JSON text where a number too large for a double is written instead. */
const HUGE = '\u0001HUGE\u0001';

function nestedValue(depth: number, array: boolean): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = array ? [v] : { n: v };
  return v;
}

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, -0, 5e-324, HUGE, '\u0000', 'a\u0000b', '\ud800', '', 'x'.repeat(65_537), [], {}, true, null),
  fc.constantFrom(8, 14, 15, 16, 17, 40, 300).chain((d) => fc.boolean().map((array) => nestedValue(d, array))),
  fc.constantFrom(
    () => Array.from({ length: 10_001 }, () => 0),
    () => Object.fromEntries(Array.from({ length: 5_001 }, (_, i) => [`k${i}`, i])),
    () => ({ $where: 'sleep(10000)', $gt: '', status: 'polluted', result: 'polluted' }),
    () => ({ __proto__x: 1, ...JSON.parse('{"__proto__":{"status":"polluted","time_started":1}}') }),
  ).map((make) => make()),
  fc.string({ maxLength: 20, unit: 'binary' }),
);

/** A mutation: where in the value (an index into its containers), what to do, with what. */
const mutation = fc.record({
  at: fc.nat(),
  op: fc.constantFrom('add', 'replace', 'root'),
  key: fc.oneof(fc.constantFrom(...HOSTILE_KEYS), fc.string({ maxLength: 8 })),
  value: hostileValue,
});

type Mutation = { at: number; op: string; key: string; value: unknown };

function containers(value: unknown): Array<Record<string, unknown> | unknown[]> {
  const out: Array<Record<string, unknown> | unknown[]> = [];
  const stack = [value];
  while (stack.length > 0 && out.length < 500) {
    const v = stack.pop();
    if (typeof v !== 'object' || v === null) continue;
    out.push(v as Record<string, unknown>);
    for (const child of Object.values(v)) stack.push(child);
  }
  return out;
}

function mutate(value: unknown, mutations: Mutation[]): unknown {
  let root = value;
  for (const original of mutations) {
    // A copy: constants such as [] are shared between generated values, and inserting one into
    // itself would make a cycle.
    const m = { ...original, value: structuredClone(original.value) };
    if (m.op === 'root') {
      root = m.value;
      continue;
    }
    const all = containers(root);
    if (all.length === 0) continue;
    const node = all[m.at % all.length];
    if (Array.isArray(node)) {
      if (m.op === 'add' || node.length === 0) node.push(m.value);
      else node[m.at % node.length] = m.value;
      continue;
    }
    const keys = Object.keys(node);
    const key = m.op === 'replace' && keys.length > 0 ? keys[m.at % keys.length] : m.key;
    Object.defineProperty(node, key, { value: m.value, writable: true, enumerable: true, configurable: true });
  }
  return root;
}

/** The JSON text sent: the value, huge numbers in place of their marker, or raw junk. */
function bodyText(value: unknown, raw: string | null): string | undefined {
  if (raw !== null) return raw;
  if (value === undefined) return undefined;
  return JSON.stringify(value).replaceAll(JSON.stringify(HUGE), '1e999');
}

/** A route's envelope around a schema-generated value (event, session action, search, backup). */
function envelope(route: string, inner: unknown, pick: number, jobId: string): unknown {
  if (route.endsWith('/event')) return { [['start', 'stop', 'abort', 'remove', '__proto__'][pick % 5]]: inner };
  if (route.endsWith('/action')) {
    const name = ['start', 'end', 'constructor'][pick % 3];
    return { [name]: { job_id: jobId, current_tag: pick % 4, result: 'success', extra: inner } };
  }
  if (route.startsWith('GET /') && !route.includes(':')) return pick % 2 ? { match: [inner], match_not: [inner] } : { match: [{ _all: JSON.stringify([inner]) }] };
  if (route === 'POST /backups') return typeof inner === 'object' && inner !== null && !Array.isArray(inner) ? { container: 'c', hostname: 'h', backup_name: 'b', ...inner } : inner;
  return inner;
}

const RAW_JUNK = ['{"a":', '[1,2', '{"x":"\u0000"}', '\ufeff{"a":1}', 'null', '"s"', '1e999', '{"a":1}{"b":2}', '{"__proto__":{"status":"polluted"}}'];

interface Victim {
  api: Api;
  v1: Api;
  ids: Record<'job' | 'action' | 'session' | 'backup' | 'client' | 'v1job', string>;
  snapshot: Map<string, string>;
}

/** GETs whose text must not change while the others fuzz. */
async function victimSnapshot(v: Victim): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const reads: Array<[Api, string]> = [
    [v.api, `/jobs/${v.ids.job}`],
    [v.api, `/actions/${v.ids.action}`],
    [v.api, `/sessions/${v.ids.session}`],
    [v.api, `/backups/${v.ids.backup}`],
    [v.api, `/clients/${v.ids.client}`],
    [v.v1, `/jobs/${v.ids.v1job}`],
    ...['jobs', 'actions', 'sessions', 'backups', 'clients'].map((c): [Api, string] => [v.api, `/${c}?limit=100`]),
    ...['jobs', 'actions', 'sessions', 'backups', 'clients'].map((c): [Api, string] => [v.v1, `/${c}?limit=100`]),
  ];
  for (const [api, p] of reads) {
    const res = await api.get(p);
    out.set(`${api.base}${p}`, `${res.status} ${res.text}`);
  }
  return out;
}

async function makeVictim(url: string): Promise<Victim> {
  const api = Api.v2(url, 'victim_p', 'victim');
  const v1 = Api.v1(url, 'victim');
  const created = async (res: Promise<Response>, key: string): Promise<string> => {
    const r = await res;
    assert.equal(r.status, 201, r.text);
    return r.json[key] as string;
  };
  const fa = { freezer_action: { action: 'backup', backup_name: 'victim', path_to_backup: '/srv' } };
  const job = await created(api.post('/jobs', { client_id: 'victim_host', description: 'victim job', job_actions: [fa] }), 'job_id');
  const action = await created(api.post('/actions', fa), 'action_id');
  const session = await created(api.post('/sessions', { schedule: {}, hold_off: 0, description: 'victim session' }), 'session_id');
  assert.equal((await api.put(`/sessions/${session}/jobs/${job}`)).status, 204);
  const backup = await created(api.post('/backups', { container: 'c', hostname: 'victim_host', backup_name: 'victim' }), 'backup_id');
  const client = await created(api.post('/clients', { client_id: 'victim_host', hostname: 'victim-host' }), 'client_id');
  const v1job = await created(v1.post('/jobs', { client_id: 'victim_host', job_actions: [fa] }), 'job_id');
  const victim: Victim = { api, v1, ids: { job, action, session, backup, client, v1job }, snapshot: new Map() };
  victim.snapshot = await victimSnapshot(victim);
  return victim;
}

/** The victim's writes the prototype pollution of the report broke, and a few more. */
async function victimStillWrites(v: Victim): Promise<void> {
  const expectStatus = async (res: Promise<Response>, status: number, what: string) => {
    const r = await res;
    assert.equal(r.status, status, `victim ${what}: ${r.text}`);
    return r;
  };
  const fa = { freezer_action: { action: 'backup', backup_name: 'after' } };
  const job = (await expectStatus(v.api.post('/jobs', { client_id: 'victim_host', job_actions: [fa] }), 201, 'job create')).json.job_id as string;
  await expectStatus(v.api.patch(`/jobs/${job}`, { description: 'after', job_schedule: { status: 'scheduled' } }), 200, 'job PATCH');
  const session = (await expectStatus(v.api.post('/sessions', { schedule: {}, hold_off: 0 }), 201, 'session create')).json.session_id as string;
  await expectStatus(v.api.put(`/sessions/${session}/jobs/${job}`), 204, 'session add job');
  const start = await expectStatus(v.api.post(`/sessions/${session}/action`, { start: { job_id: job, current_tag: 0 } }), 202, 'session start');
  assert.deepEqual(start.json, { result: 'success', session_tag: 1 });
  await expectStatus(v.api.post(`/sessions/${session}/action`, { end: { job_id: job, result: 'success' } }), 202, 'session end');
  await expectStatus(v.api.post('/backups', { container: 'c', hostname: 'victim_host', backup_name: 'after' }), 201, 'backup create');
  await expectStatus(v.api.post('/actions', fa), 201, 'action create');
  await expectStatus(v.v1.post('/jobs', { client_id: 'victim_host', job_actions: [fa] }), 201, 'v1 job create');
  const doc = (await v.api.get(`/jobs/${job}`)).json;
  assert.deepEqual(Object.keys(doc).sort(), ['client_id', 'description', 'job_actions', 'job_id', 'job_schedule', 'project_id', 'session_id', 'session_tag', 'user_id']);
  assert.deepEqual((await v.api.get('/jobs', { match: [{ status: 'polluted' }] })).json, { jobs: [] });
}

for (const [leg, env] of [
  ['strict_freezer_action (default)', {}],
  ['strict_freezer_action false: hostile keys are stored', { PERMAFROST_STRICT_FREEZER_ACTION: 'false' }],
] as const) describe(`trust: fuzz every v1 and v2 route with schema-generated, hostile bodies (${leg})`, function () {
  this.timeout(180_000);
  const server = useServer({ env: { ...env } });

  it('trust: fuzz sends a body from every request schema in schemas/ (only configuration schemas are left out)', () => {
    assert.deepEqual([...CONFIG_SCHEMAS].filter((id) => !SCHEMAS.has(id)), [], 'the configuration schemas named here exist');
    assert.ok(REQUEST_SCHEMAS.length >= 18, REQUEST_SCHEMAS.join(', '));
    for (const id of REQUEST_SCHEMAS) fc.sample(schemaArbitrary(SCHEMAS.get(id) as JsonSchema, SCHEMAS), { numRuns: 3, seed: SEED });
    for (const key of Object.keys(NATURAL)) assert.ok(ROUTES.some((r) => `${r.method} ${r.path}` === key), key);
  });

  it(`trust: fuzz: ${RUNS} hostile requests and ${CHAINS} stateful chains: no 5xx, no hang, another tenant unaffected (seed in the output)`, async () => {
    console.log(`      trust: fuzz seed ${SEED} (rerun with PERMAFROST_FUZZ_SEED=${SEED}), ${RUNS} requests`);
    const url = server().url;
    const victim = await makeVictim(url);
    // Ids the fuzz created, all together and by the identity that created them (v1 sees a user's
    // documents of every project), so that later requests often reach real documents of their own.
    const seenIds = new Set<string>(['nope']);
    /** identity -> path parameter name (job_id, session_id, ...) -> ids it created. */
    const seenBy = new Map<string, Map<string, Set<string>>>();
    const ownIds = (identity: string, param: string, v1User: string | null): string[] => {
      const out: string[] = [];
      for (const [who, byParam] of seenBy) {
        if (who === identity || (v1User !== null && who.startsWith(`${v1User}|`))) out.push(...(byParam.get(param) ?? []));
      }
      return out;
    };
    const hostileIds = ['__proto__', 'constructor', 'prototype', '$where', 'a.b', '..', 'x'.repeat(300), 'ключ', '%00', ' '];
    const victimIds = Object.values(victim.ids);
    const tenants = ['fuzz', '__proto__', 'x'.repeat(200)];
    const paths = [...new Set(ROUTES.map((r) => r.path))];
    const bodySchemas = fc.constantFrom(...REQUEST_SCHEMAS).chain((id) => schemaArbitrary(SCHEMAS.get(id) as JsonSchema, SCHEMAS));
    const natural = (route: string) => (NATURAL[route] ? fc.constantFrom(...NATURAL[route]).chain((id) => schemaArbitrary(SCHEMAS.get(id) as JsonSchema, SCHEMAS)) : bodySchemas);

    const requestArb = fc
      .record({
        version: fc.constantFrom('v1', 'v2'),
        path: fc.constantFrom(...paths),
        methodPick: fc.nat(99),
        tenant: fc.constantFrom(...tenants),
        project: fc.constantFrom('fuzz_p', 'victim_p', '$where'),
        idKind: fc.constantFrom('hostile', 'victim', 'seen', 'own', 'own'),
        idPick: fc.nat(),
        pick: fc.nat(),
        query: fc.option(fc.constantFrom('?limit=5', '?limit=-1&offset=2', '?limit=x', '?__proto__=1&constructor[status]=p', '?offset=99999999999999999999'), { nil: null }),
        raw: fc.oneof({ arbitrary: fc.constant(null), weight: 11 }, { arbitrary: fc.constantFrom(...RAW_JUNK), weight: 1 }),
        mutations: fc.oneof({ arbitrary: fc.constant([]), weight: 2 }, { arbitrary: fc.array(mutation, { minLength: 1, maxLength: 4 }), weight: 3 }),
      })
      .chain((r) => {
        const routed = ROUTES.filter((x) => x.path === r.path);
        const method = r.methodPick < 85 ? routed[r.methodPick % routed.length].method : METHODS[r.methodPick % METHODS.length];
        return natural(`${method} ${r.path}`).map((inner) => ({ ...r, method, inner }));
      });

    const failures: string[] = [];
    const statuses = new Map<number, number>();
    const property = fc.asyncProperty(requestArb, async (r) => {
      const identity = r.version === 'v1' ? `${r.tenant}|` : `${r.tenant}|${r.project}`;
      const v1User = r.version === 'v1' ? r.tenant : null;
      // Each path id (:job_id, :session_id, ...) from its pool; 'own' ids are documents this very
      // identity created, so sequences such as session PATCH, PUT job, start and end happen.
      const idFor = (param: string, salt: number): string => {
        const own = ownIds(identity, param, v1User);
        const pool = r.idKind === 'hostile' ? hostileIds : r.idKind === 'victim' ? victimIds : r.idKind === 'own' && own.length > 0 ? own : [...seenIds];
        return pool[Math.floor(r.idPick / (salt + 1)) % pool.length];
      };
      let n = 0;
      const filled = r.path.replace(/:(\w+)/g, (_m, param: string) => encodeURIComponent(idFor(param, n++ * 7)));
      const base = r.version === 'v1' ? '/v1' : `/v2/${encodeURIComponent(r.project)}`;
      const route = `${r.method} ${r.path}`;
      const jobId = r.pick % 2 ? hostileIds[r.pick % hostileIds.length] : idFor('job_id', 3);
      const value = mutate(structuredClone(envelope(route, r.inner, r.pick, jobId)), r.mutations as Mutation[]);
      const body = r.method === 'GET' && !r.path.includes(':') && r.pick % 3 === 0 ? undefined : bodyText(value, r.raw);
      const target = `${url}${base}${filled}${r.query ?? ''}`;
      let res: Response;
      try {
        res = await request(target, { method: r.method, body, timeoutMs: REQUEST_TIMEOUT_MS, headers: { 'X-User-Id': r.tenant, 'X-Project-Id': r.project } });
      } catch (err) {
        // The server closes the connection after a 413 decided from Content-Length, before the
        // body is sent: that is an answer. Anything else (a timeout above all) is a failure.
        if ((err as NodeJS.ErrnoException).code === 'EPIPE' || (err as NodeJS.ErrnoException).code === 'ECONNRESET') {
          if (body !== undefined && Buffer.byteLength(body) > 512 * 1024) return;
        }
        throw new Error(`${route} as ${r.tenant}: no answer: ${(err as Error).message}`);
      }
      // 753 is Freezer's own code for malformed JSON (a client error, kept for compatibility).
      if ((res.status >= 500 && res.status < 600) || res.status === 0) {
        const shown = body === undefined ? '' : body.length > 300 ? `${body.slice(0, 300)}...` : body;
        failures.push(`${r.method} ${base}${filled} as ${r.tenant}: ${res.status} ${res.text.slice(0, 200)} body ${shown}`);
        throw new Error(failures[failures.length - 1]);
      }
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status === 201 && res.json && typeof res.json === 'object') {
        for (const k of ['job_id', 'action_id', 'session_id', 'backup_id', 'client_id', 'run_id', 'webhook_id']) {
          if (typeof res.json[k] !== 'string') continue;
          seenIds.add(res.json[k]);
          const byParam = seenBy.get(identity) ?? new Map<string, Set<string>>();
          seenBy.set(identity, byParam.set(k, (byParam.get(k) ?? new Set()).add(res.json[k])));
        }
      }
    });
    // fc.check, not fc.assert: the counterexample can be megabytes; the failure names the request.
    const details = await fc.check(property, { seed: SEED, numRuns: RUNS, endOnFailure: true });
    if (details.failed) {
      const why = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
      assert.fail(`trust: fuzz failed with seed ${SEED} after ${details.numRuns} requests (rerun with PERMAFROST_FUZZ_SEED=${SEED}): ${why.slice(0, 1500)}`);
    }
    console.log(`      answers: ${[...statuses].sort(([a], [b]) => a - b).map(([st, n]) => `${st}: ${n}`).join(', ')}`);

    // Stateful chains: one identity creates a job and a session, then every job and session route
    // is called on those real documents with generated, mutated bodies and hostile job ids, so
    // the session protocol (jobs map, start, end) is reached with state behind it.
    const gen = (id: string) => schemaArbitrary(SCHEMAS.get(id) as JsonSchema, SCHEMAS);
    const mutated = (arb: fc.Arbitrary<unknown>) => fc.tuple(arb, fc.array(mutation, { maxLength: 2 })).map(([v, ms]) => mutate(structuredClone(v), ms));
    const chainArb = fc.record({
      version: fc.constantFrom('v1', 'v2'),
      tenant: fc.constantFrom(...tenants),
      jobsMap: mutated(fc.dictionary(fc.oneof(fc.constantFrom(...HOSTILE_KEYS.filter((k) => k.length < 1000)), fc.string({ maxLength: 8 })), gen('session_patch.json'), { maxKeys: 3 })),
      sessionPatch: mutated(gen('session_patch.json')),
      jobPatch: mutated(gen('job_patch.json')),
      jobIds: fc.array(fc.oneof(fc.constantFrom(...hostileIds), fc.constant('OWN')), { minLength: 2, maxLength: 4 }),
      result: fc.oneof(fc.string({ maxLength: 10 }), hostileValue),
      event: mutated(gen('job_schedule.json')),
    });
    const chain = fc.asyncProperty(chainArb, async (c) => {
      const api = c.version === 'v1' ? Api.v1(url, c.tenant) : Api.v2(url, 'chain_p', c.tenant);
      const step = async (what: string, res: Promise<Response>): Promise<Response> => {
        const r = await res.catch((err: Error) => ({ status: 0, text: err.message, json: undefined, headers: {} }) as Response);
        if ((r.status >= 500 && r.status < 600) || r.status === 0) throw new Error(`chain ${what} as ${c.tenant} (${c.version}): ${r.status} ${r.text.slice(0, 200)}`);
        return r;
      };
      const job = (await step('job create', api.post('/jobs', { client_id: 'chain_host', job_actions: [{ freezer_action: { action: 'backup' } }] }))).json?.job_id as string;
      const sid = (await step('session create', api.post('/sessions', { schedule: {}, hold_off: 0 }))).json?.session_id as string;
      await step('session PATCH jobs', api.patch(`/sessions/${sid}`, { jobs: c.jobsMap }));
      await step('session PATCH', api.patch(`/sessions/${sid}`, c.sessionPatch));
      await step('session add job', api.put(`/sessions/${sid}/jobs/${job}`));
      for (const [i, pick] of c.jobIds.entries()) {
        const jobId = pick === 'OWN' ? job : pick;
        const body = i % 2 === 0 ? { start: { job_id: jobId, current_tag: i } } : { end: { job_id: jobId, result: c.result } };
        await step(`session action ${JSON.stringify(body).slice(0, 80)}`, api.post(`/sessions/${sid}/action`, body));
      }
      await step('job PATCH', api.patch(`/jobs/${job}`, c.jobPatch));
      await step('job event', api.post(`/jobs/${job}/event`, { start: c.event }));
      await step('session remove job', api.delete(`/sessions/${sid}/jobs/${job}`));
      await step('session replace', api.post(`/sessions/${sid}`, c.sessionPatch));
      await step('session delete', api.delete(`/sessions/${sid}`));
      await step('job delete', api.delete(`/jobs/${job}`));
    });
    const chains = await fc.check(chain, { seed: SEED, numRuns: CHAINS, endOnFailure: true });
    if (chains.failed) {
      const why = chains.errorInstance instanceof Error ? chains.errorInstance.message : String(chains.errorInstance);
      assert.fail(`trust: fuzz chains failed with seed ${SEED} (rerun with PERMAFROST_FUZZ_SEED=${SEED}): ${why.slice(0, 1500)}`);
    }
    // Other tenants unaffected: the victim's documents and lists read back byte for byte, its writes work.
    try {
      const after = await victimSnapshot(victim);
      for (const [where, before] of victim.snapshot) assert.equal(after.get(where), before, `victim ${where} changed`);
      await victimStillWrites(victim);
      assert.equal((await request(`${url}/healthcheck`)).status, 200);
      assert.doesNotMatch(server().logs(), /unhandled error/);
    } catch (err) {
      throw new Error(`trust: fuzz left another tenant affected, seed ${SEED} (rerun with PERMAFROST_FUZZ_SEED=${SEED}): ${(err as Error).message}`, { cause: err });
    }
  });
});
