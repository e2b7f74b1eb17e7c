import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import jwt from 'jsonwebtoken';
import { request, type Response } from '../helpers/http';
import { JWT_ENV, adminToken, createProject, createTenant, login, v3, type Tenant } from '../helpers/identity';
import { useServer } from '../helpers/server';

/**
 * Tenant isolation with real tokens (auth=jwt), over every route of v1 and v2: no token or a bad
 * one (expired, tampered, `alg: none`, wrong audience, issuer or secret, revoked), a member of
 * another project, another user of the same project, an admin, a reader writing, and a token
 * limited to one scheduler client touching another client. Every caller must get the right
 * status, never see one of the owner's marker strings, and change nothing: after each caller's
 * batch the owner reads everything back and it must deep-equal what was there after seeding.
 *
 * The routes come from the compiled route modules themselves (every exported RouteDef array in
 * src/http/routes), so a route added there without an expectation here fails the first test.
 */

type Version = 'v1' | 'v2';
type Collection = 'backups' | 'clients' | 'jobs' | 'actions' | 'sessions' | 'runs' | 'webhooks' | 'events';
type Kind = 'list' | 'create' | 'get' | 'delete' | 'replace' | 'patch' | 'event' | 'session-action' | 'job-add' | 'job-remove' | 'freshness' | 'changes' | 'run-now' | 'cancel' | 'report-stream';

interface RouteSpec {
  kind: Kind;
  /** Needs a member (a reader is refused). */
  write: boolean;
  /** Allowed to a token limited to one scheduler client (what an agent needs, spec B.2-B.7). */
  agent: boolean;
}

/** The expectation table: one entry per API route, relative to /v1 or /v2/{project_id}. */
const MATRIX: Record<string, RouteSpec> = {
  'GET /backups': { kind: 'list', write: false, agent: false },
  'POST /backups': { kind: 'create', write: true, agent: true },
  'GET /backups/:backup_id': { kind: 'get', write: false, agent: false },
  'DELETE /backups/:backup_id': { kind: 'delete', write: true, agent: false },

  'GET /clients': { kind: 'list', write: false, agent: true },
  'POST /clients': { kind: 'create', write: true, agent: true },
  'GET /clients/:client_id': { kind: 'get', write: false, agent: true },
  'DELETE /clients/:client_id': { kind: 'delete', write: true, agent: false },
  'GET /clients/:client_id/changes': { kind: 'changes', write: false, agent: true },

  'GET /jobs': { kind: 'list', write: false, agent: true },
  'POST /jobs': { kind: 'create', write: true, agent: false },
  'GET /jobs/:job_id': { kind: 'get', write: false, agent: true },
  'DELETE /jobs/:job_id': { kind: 'delete', write: true, agent: false },
  'POST /jobs/:job_id': { kind: 'replace', write: true, agent: false },
  'PATCH /jobs/:job_id': { kind: 'patch', write: true, agent: true },
  'POST /jobs/:job_id/event': { kind: 'event', write: true, agent: true },
  'POST /jobs/:job_id/runs': { kind: 'run-now', write: true, agent: false },
  'POST /runs/:run_id/cancel': { kind: 'cancel', write: true, agent: false },

  'GET /actions': { kind: 'list', write: false, agent: false },
  'POST /actions': { kind: 'create', write: true, agent: false },
  'GET /actions/:action_id': { kind: 'get', write: false, agent: false },
  'DELETE /actions/:action_id': { kind: 'delete', write: true, agent: false },
  'POST /actions/:action_id': { kind: 'replace', write: true, agent: false },
  'PATCH /actions/:action_id': { kind: 'patch', write: true, agent: false },

  'GET /sessions': { kind: 'list', write: false, agent: false },
  'POST /sessions': { kind: 'create', write: true, agent: false },
  'GET /sessions/:session_id': { kind: 'get', write: false, agent: false },
  'DELETE /sessions/:session_id': { kind: 'delete', write: true, agent: false },
  'POST /sessions/:session_id': { kind: 'replace', write: true, agent: false },
  'PATCH /sessions/:session_id': { kind: 'patch', write: true, agent: false },
  'POST /sessions/:session_id/action': { kind: 'session-action', write: true, agent: true },
  'PUT /sessions/:session_id/jobs/:job_id': { kind: 'job-add', write: true, agent: false },
  'DELETE /sessions/:session_id/jobs/:job_id': { kind: 'job-remove', write: true, agent: false },

  // Run records: an agent reads, opens and reports its own client's runs.
  'GET /runs': { kind: 'list', write: false, agent: true },
  'POST /runs': { kind: 'create', write: true, agent: true },
  'GET /runs/:run_id': { kind: 'get', write: false, agent: true },
  'PATCH /runs/:run_id': { kind: 'patch', write: true, agent: true },
  // The same reports as JSON lines: the request is taken (200), each line is scoped as its PATCH.
  'POST /run-reports': { kind: 'report-stream', write: true, agent: true },

  // Events and webhooks (issue 12, item 5): readers read, members write, agents neither. A
  // webhook's delivery log is read like one document (an empty 404 when the webhook is not yours).
  'GET /events': { kind: 'list', write: false, agent: false },
  'GET /webhooks': { kind: 'list', write: false, agent: false },
  'POST /webhooks': { kind: 'create', write: true, agent: false },
  'GET /webhooks/:webhook_id': { kind: 'get', write: false, agent: false },
  'PATCH /webhooks/:webhook_id': { kind: 'patch', write: true, agent: false },
  'DELETE /webhooks/:webhook_id': { kind: 'delete', write: true, agent: false },
  'GET /webhooks/:webhook_id/deliveries': { kind: 'get', write: false, agent: false },

  'GET /freshness/jobs': { kind: 'freshness', write: false, agent: false },
  'GET /freshness/clients': { kind: 'freshness', write: false, agent: false },
};

// Not events: the owner's own runs add to them, which is no change made by a caller.
const COLLECTIONS: Collection[] = ['backups', 'clients', 'jobs', 'actions', 'sessions', 'runs', 'webhooks'];
/** The whole list: Freezer's lists take limit=-1; run lists are bounded (at most 1000); webhooks take no paging. */
const everything = (collection: Collection) => (collection === 'runs' ? '?limit=1000' : collection === 'webhooks' ? '' : '?limit=-1');
const PARAM_COLLECTION: Record<string, Collection> = {
  backup_id: 'backups',
  client_id: 'clients',
  job_id: 'jobs',
  action_id: 'actions',
  session_id: 'sessions',
  run_id: 'runs',
  webhook_id: 'webhooks',
};

const UNAUTHORIZED_BODY = { error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } };
const FORBIDDEN_BODY = { title: 'Access Forbidden', description: 'You are not allowed to access this resource' };

interface LiveRoute {
  method: string;
  path: string;
  rule: string;
}

/** Every RouteDef exported by the compiled route modules (what api-router.ts mounts). */
async function liveRoutes(): Promise<LiveRoute[]> {
  const dir = path.resolve(__dirname, '../../src/http/routes');
  const found = new Map<string, LiveRoute>();
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.js')).sort()) {
    const mod = (await import(path.join(dir, file))) as Record<string, unknown>;
    for (const value of Object.values(mod)) {
      if (!Array.isArray(value)) continue;
      for (const r of value as Array<Record<string, unknown>>) {
        if (typeof r?.method === 'string' && typeof r.path === 'string' && typeof r.rule === 'string' && typeof r.handle === 'function') {
          found.set(`${r.method} ${r.path}`, { method: r.method, path: r.path, rule: r.rule });
        }
      }
    }
  }
  return [...found.values()];
}

type Shape =
  | 'unauthorized' // 401 with keystonemiddleware's body and WWW-Authenticate
  | 'forbidden' // 403 Access Forbidden
  | 'forbidden-host' // 403 Access Forbidden saying the token posts backups of its own host only
  | 'empty' // no body at all (GET single 404, DELETE 204)
  | 'not-found' // a Freezer 404 body
  | 'created' // 201 with the new id
  | 'own-list' // 200, only documents of the caller (user and URL project)
  | 'empty-list' // 200, nothing at all
  | 'agent-list' // 200, only documents of the token's client, the owner's hostA one among them
  | 'freshness-list' // 200, a freshness page (jobs or clients) with none of the owner's ids
  | 'no-jobs-cursor' // 200, the wait-for-change cursor of a view without jobs (it reveals none of the owner's)
  | 'forbidden-client' // 403 saying the token waits on its own client's changes only
  | 'line-not-found'; // 200, a run report stream whose one line was refused 404 (as its PATCH)

interface Expectation {
  status: number;
  shape: Shape;
}

/** Which of the owner's documents a caller aims at. */
interface Targets {
  backups: string;
  clients: string;
  jobs: string;
  actions: string;
  sessions: string;
  runs: string;
  webhooks: string;
  /** No route names an event by id: unused. */
  events: string;
}

interface Caller {
  label: string;
  version: Version;
  /** `/v1` or `/v2/<project>`. */
  base: string;
  headers: Record<string, string>;
  targets: Targets;
  /** A tag for the documents this caller tries to create or write (never the owner's markers). */
  who: string;
  /** client_id used in the bodies this caller sends. */
  clientId: string;
  /** Marker strings that must never appear in a response to this caller. */
  secrets: string[];
  /** For own-list: the caller's user id (and the URL project in v2). */
  userId?: string;
  urlProject?: string;
  /** Backups this caller creates land in alice's own tenancy (the agent): alice removes them after. */
  ownerCleansBackups?: boolean;
  expect: (spec: RouteSpec, collection: Collection) => Expectation;
}

const unauthenticated = (): Expectation => ({ status: 401, shape: 'unauthorized' });
const foreignProject = (): Expectation => ({ status: 403, shape: 'forbidden' });

/** Another user (spec A.2.4 [REF] with the [REC] 403 on replace). */
function otherUser(version: Version) {
  return (spec: RouteSpec, collection: Collection): Expectation => {
    switch (spec.kind) {
      case 'list':
        return { status: 200, shape: 'own-list' };
      case 'create':
        // A run is opened for a job in the caller's scope: the owner's job is not.
        return collection === 'runs' ? { status: 404, shape: 'not-found' } : { status: 201, shape: 'created' };
      case 'get':
        return { status: 404, shape: 'empty' };
      case 'delete':
        return version === 'v2' ? { status: 204, shape: 'empty' } : { status: 404, shape: 'not-found' };
      case 'replace':
        return { status: 403, shape: 'forbidden' };
      case 'patch':
      case 'event':
      case 'session-action':
      case 'job-add':
      case 'job-remove':
        return { status: 404, shape: 'not-found' };
      case 'freshness':
        return { status: 200, shape: 'freshness-list' };
      case 'changes':
        return { status: 200, shape: 'no-jobs-cursor' };
      case 'run-now':
      case 'cancel':
        return { status: 404, shape: 'not-found' };
      case 'report-stream':
        return { status: 200, shape: 'line-not-found' };
    }
  };
}

/** A reader: every write refused by policy, reads answer her own (empty) view. */
function reader(spec: RouteSpec): Expectation {
  if (spec.write) return { status: 403, shape: 'forbidden' };
  if (spec.kind === 'list') return { status: 200, shape: 'empty-list' };
  if (spec.kind === 'get') return { status: 404, shape: 'empty' };
  if (spec.kind === 'freshness') return { status: 200, shape: 'freshness-list' };
  if (spec.kind === 'changes') return { status: 200, shape: 'no-jobs-cursor' };
  throw new Error(`no reader expectation for a read of kind ${spec.kind}`);
}

/** A token limited to hostA aiming at hostB's job and client (and at everything else). */
function limitedToHostA(spec: RouteSpec, collection: Collection): Expectation {
  if (!spec.agent) return { status: 403, shape: 'forbidden' };
  switch (spec.kind) {
    case 'list':
      return { status: 200, shape: 'agent-list' };
    case 'get':
      return { status: 404, shape: 'empty' };
    case 'patch':
    case 'event':
      return { status: 404, shape: 'not-found' };
    case 'create':
      // A client of another client_id cannot be registered, nor backups of another host (trust 13).
      if (collection === 'clients') return { status: 403, shape: 'forbidden' };
      if (collection === 'backups') return { status: 403, shape: 'forbidden-host' };
      // A run of hostB's job: the job is invisible to this token.
      if (collection === 'runs') return { status: 404, shape: 'not-found' };
      break;
    case 'session-action':
      // hostB's job is invisible to this token (GET/PATCH/event answer 404): reporting a session
      // run for it must answer 404 as well and change nothing in the session.
      return { status: 404, shape: 'not-found' };
    case 'changes':
      return { status: 403, shape: 'forbidden-client' };
    case 'report-stream':
      // A line on hostB's run: as its PATCH, 404.
      return { status: 200, shape: 'line-not-found' };
    default:
      break;
  }
  throw new Error(`no client-limited expectation for ${spec.kind} on ${collection}`);
}

function fillPath(template: string, targets: Targets): string {
  return template.replace(/:(\w+)/g, (_m, name: string) => {
    const collection = PARAM_COLLECTION[name];
    if (!collection) throw new Error(`unknown path parameter :${name} in ${template}`);
    return encodeURIComponent(targets[collection]);
  });
}

/** A valid body for the route, so a request that got through would really have an effect. */
function bodyFor(spec: RouteSpec, collection: Collection, caller: Caller): unknown {
  const tag = `pwned-by-${caller.who}`;
  const jobBody = {
    client_id: caller.clientId,
    description: tag,
    // Names the owner's action id with other content: it must never overwrite the owner's.
    job_actions: [{ action_id: caller.targets.actions, freezer_action: { action: 'backup', backup_name: tag } }],
  };
  switch (spec.kind) {
    case 'create':
    case 'replace':
      switch (collection) {
        case 'backups':
          return { container: 'c', hostname: 'h', backup_name: tag };
        case 'clients':
          return { client_id: caller.clientId, hostname: 'pwned', description: tag };
        case 'jobs':
          return jobBody;
        case 'actions':
          return { freezer_action: { action: 'backup', backup_name: tag } };
        case 'sessions':
          return { description: tag, schedule: {}, session_tag: 0 };
        case 'runs':
          return { job_id: caller.targets.jobs, trigger: 'schedule', status: 'running', agent: { host: tag } };
        case 'webhooks':
          return { url: 'https://hooks.isolation.invalid/in', secret: `${tag}-0123456789abcdef`, description: tag };
      }
      break;
    case 'patch':
      if (collection === 'runs') return { progress: { phase: tag } };
      return collection === 'actions' ? { freezer_action: { action: 'backup', backup_name: tag } } : { description: tag };
    case 'event':
      return { start: null };
    case 'report-stream':
      return `${JSON.stringify({ run_id: caller.targets.runs, progress: { phase: tag } })}\n`;
    case 'session-action':
      return { start: { job_id: caller.targets.jobs, current_tag: 0 } };
    default:
      return undefined;
  }
}

describe('auth and tenant isolation over every route of v1 and v2 (auth=jwt)', function () {
  this.timeout(60000);
  const server = useServer({ env: JWT_ENV });

  const secret = `alice-secret-${crypto.randomBytes(6).toString('hex')}`;
  const M = {
    jobA: `${secret}-jobA`,
    jobB: `${secret}-jobB`,
    action: `${secret}-action`,
    session: `${secret}-session`,
    backup: `${secret}-backup`,
    clientA: `${secret}-clientA`,
    clientB: `${secret}-clientB`,
    runA: `${secret}-runA`,
    runB: `${secret}-runB`,
    webhook: `${secret}-webhook`,
    webhookSecret: `${secret}-webhook-signing-key`,
  };
  const ALL_MARKERS = Object.values(M);

  let url: string;
  let jwtSecret: Buffer;
  let routes: LiveRoute[];
  let admin: string;
  let projA: string;
  let projB: string;
  let alice: Tenant;
  let bob: Tenant;
  let rita: Tenant;
  let carol: Tenant;
  /** alice's token scoped to project B (she is a member there too). */
  let aliceInB: string;
  /** alice's application-credential token limited to client hostA. */
  let agentA: string;
  const ids = { jobA: '', jobB: '', action: '', session: '', backup: '', clientA: '', clientB: '', runA: '', runB: '', webhook: '' };
  let ownerTargets: Targets;
  let hostBTargets: Targets;
  /** The owner's view as last verified (the seed snapshot until a batch changes something). */
  let baseline: Record<string, unknown>;

  const call = (base: string, headers: Record<string, string>, method: string, p: string, body?: unknown): Promise<Response> =>
    request(`${url}${base}${p}`, { method, body, headers: body === undefined ? headers : { 'Content-Type': 'application/json', ...headers } });
  const asAlice = (version: Version, method: string, p: string, body?: unknown) =>
    call(version === 'v2' ? `/v2/${projA}` : '/v1', { 'X-Auth-Token': alice.token }, method, p, body);

  async function aliceCreate(p: string, body: unknown, idKey: string): Promise<string> {
    const res = await asAlice('v2', 'POST', p, body);
    assert.equal(res.status, 201, `seed POST ${p}: ${res.text}`);
    return res.json[idKey] as string;
  }

  /** Everything alice can read: each seeded document and every list, in v2 and in v1. */
  async function snapshot(): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    const docs: Array<[Collection, string]> = [
      ['jobs', ids.jobA],
      ['jobs', ids.jobB],
      ['actions', ids.action],
      ['sessions', ids.session],
      ['backups', ids.backup],
      ['clients', 'hostA'],
      ['clients', 'hostB'],
      ['runs', ids.runA],
      ['runs', ids.runB],
      ['webhooks', ids.webhook],
    ];
    for (const [collection, id] of docs) {
      const res = await asAlice('v2', 'GET', `/${collection}/${id}`);
      out[`v2 GET /${collection}/${id}`] = { status: res.status, body: res.json };
    }
    for (const collection of COLLECTIONS) {
      const v2 = await asAlice('v2', 'GET', `/${collection}${everything(collection)}`);
      out[`v2 GET /${collection}`] = { status: v2.status, body: v2.json };
      // v1 shows alice's documents of every project; those she makes in project B are not the point.
      const v1 = await asAlice('v1', 'GET', `/${collection}${everything(collection)}`);
      const items = (v1.json?.[collection] ?? []) as Array<Record<string, unknown>>;
      out[`v1 GET /${collection}`] = { status: v1.status, items: items.filter((d) => d.project_id !== projB) };
    }
    return out;
  }

  /** The owner's view deep-equals the baseline; a difference fails (and becomes the new baseline). */
  async function assertUnchanged(problems: string[], label: string): Promise<void> {
    const now = await snapshot();
    if (!isDeepStrictEqual(now, baseline)) {
      const changed = Object.keys(now).filter((k) => !isDeepStrictEqual(now[k], baseline[k]));
      for (const k of changed) {
        problems.push(`${label}: alice's ${k} changed:\n  before ${JSON.stringify(baseline[k])}\n  after  ${JSON.stringify(now[k])}`);
      }
      baseline = now;
    }
  }

  function checkShape(caller: Caller, exp: Expectation, collection: Collection, res: Response): string | null {
    switch (exp.shape) {
      case 'unauthorized':
        if (!isDeepStrictEqual(res.json, UNAUTHORIZED_BODY)) return `401 body ${res.text}`;
        if (res.headers['www-authenticate'] !== `Keystone uri="${url}/v3"`) return `WWW-Authenticate ${String(res.headers['www-authenticate'])}`;
        return null;
      case 'forbidden':
        return isDeepStrictEqual(res.json, FORBIDDEN_BODY) ? null : `403 body ${res.text}`;
      case 'forbidden-host':
        return res.json?.title === 'Access Forbidden' && /limited to client 'hostA': it posts backups of its host 'hosta' only/.test(res.json?.description)
          ? null
          : `403 body ${res.text}`;
      case 'freshness-list': {
        const items = (res.json?.jobs ?? res.json?.clients) as Array<Record<string, unknown>> | undefined;
        if (!Array.isArray(items)) return `not a freshness page: ${res.text}`;
        const owners = Object.values(ids).filter((id) => id !== '');
        const foreign = items.filter((d) => owners.includes(String(d.job_id)) || d.client_id === 'hostA' || d.client_id === 'hostB');
        return foreign.length === 0 ? null : `freshness page has the owner's: ${JSON.stringify(foreign)}`;
      }
      case 'forbidden-client':
        return res.json?.title === 'Access Forbidden' && /limited to client 'hostA': it may wait on that client's changes only/.test(res.json?.description)
          ? null
          : `403 body ${res.text}`;
      case 'no-jobs-cursor':
        // The cursor counts the jobs the caller sees: none of the owner's.
        return typeof res.json?.client_id === 'string' && /^0\./.test(String(res.json?.cursor)) ? null : `200 body ${res.text}`;
      case 'empty':
        return res.text === '' ? null : `body should be empty: ${res.text}`;
      case 'line-not-found': {
        // The stream's answer: its length, the one line refused as its PATCH would be, the count.
        const lines = res.text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
        const expected = [{ line: 1, run_id: caller.targets.runs, status: 404 }, { accepted: 0, refused: 1 }];
        const seen = [{ line: lines[1]?.line, run_id: lines[1]?.run_id, status: lines[1]?.status }, lines[2]];
        return typeof lines[0]?.stream_seconds === 'number' && lines.length === 3 && isDeepStrictEqual(seen, expected) ? null : `stream answer ${res.text}`;
      }
      case 'not-found':
        return res.json?.title === 'Not Found' ? null : `404 body ${res.text}`;
      case 'created': {
        const idKey = collection === 'clients' ? 'client_id' : `${collection.slice(0, -1)}_id`;
        return typeof res.json?.[idKey] === 'string' ? null : `201 body ${res.text}`;
      }
      case 'own-list':
      case 'empty-list':
      case 'agent-list': {
        const items = res.json?.[collection] as Array<Record<string, unknown>> | undefined;
        if (!Array.isArray(items)) return `not a ${collection} list: ${res.text}`;
        if (exp.shape === 'empty-list') return items.length === 0 ? null : `list should be empty: ${res.text}`;
        if (exp.shape === 'own-list' && (collection === 'webhooks' || collection === 'events')) {
          // These documents name no user: the project must be the URL's; the owner's markers
          // (descriptions, the secret, run reasons inside events) are looked for in every answer.
          const foreign = items.filter((d) => caller.urlProject !== undefined && d.project_id !== caller.urlProject);
          return foreign.length === 0 ? null : `list has documents of other projects: ${JSON.stringify(foreign)}`;
        }
        if (exp.shape === 'own-list') {
          const foreign = items.filter((d) => d.user_id !== caller.userId || (caller.urlProject !== undefined && d.project_id !== caller.urlProject));
          return foreign.length === 0 ? null : `list has documents of others: ${JSON.stringify(foreign)}`;
        }
        // agent-list: only hostA's documents, and the owner's hostA one is there (positive control).
        const clientOf = (d: Record<string, unknown>) => (collection === 'clients' ? (d.client as Record<string, unknown>)?.client_id : d.client_id);
        const others = items.filter((d) => clientOf(d) !== 'hostA');
        if (others.length > 0) return `list has documents of other clients: ${JSON.stringify(others)}`;
        const mine = collection === 'clients' ? ids.clientA : ids.jobA;
        if (!res.text.includes(mine)) return `list lacks the owner's hostA ${collection.slice(0, -1)}: ${res.text}`;
        return null;
      }
    }
  }

  /** Sends every route of the caller's version and checks status, body shape and leaks. */
  async function runBatch(caller: Caller): Promise<{ problems: string[]; count: number }> {
    const problems: string[] = [];
    let count = 0;
    const created: string[] = [];
    for (const route of routes) {
      const key = `${route.method} ${route.path}`;
      const spec = MATRIX[key];
      if (!spec) {
        problems.push(`${key}: no expectation in the matrix`);
        continue;
      }
      const collection = route.path.split('/')[1] as Collection;
      let exp: Expectation;
      try {
        exp = caller.expect(spec, collection);
      } catch (err) {
        problems.push(`${key}: ${(err as Error).message}`);
        continue;
      }
      const p = fillPath(route.path, caller.targets);
      const res = await call(caller.base, caller.headers, route.method, p, bodyFor(spec, collection, caller));
      count++;
      const where = `${caller.label}: ${route.method} ${caller.version}${route.path}`;
      if (res.status !== exp.status) {
        problems.push(`${where}: expected ${exp.status}, got ${res.status} ${res.text.slice(0, 300)}`);
      } else {
        const problem = checkShape(caller, exp, collection, res);
        if (problem) problems.push(`${where}: ${problem}`);
      }
      const leaked = caller.secrets.filter((m) => res.text.includes(m) || JSON.stringify(res.headers).includes(m));
      if (leaked.length > 0) problems.push(`${where}: LEAK of ${leaked.join(', ')} in ${res.text.slice(0, 300)}`);
      if (res.status === 201 && caller.ownerCleansBackups && collection === 'backups') {
        // The agent's own backup metadata lands in alice's tenancy: remove it before comparing.
        created.push(`/backups/${res.json.backup_id as string}`);
      }
    }
    for (const p of created) {
      const res = await asAlice(caller.version, 'DELETE', p);
      if (res.status !== 204) problems.push(`${caller.label}: cleanup DELETE ${p} answered ${res.status}`);
    }
    await assertUnchanged(problems, caller.label);
    return { problems, count };
  }

  async function expectBatch(caller: Caller): Promise<void> {
    const { problems, count } = await runBatch(caller);
    assert.ok(count >= Object.keys(MATRIX).length, `${caller.label}: only ${count} requests were checked`);
    assert.deepEqual(problems, [], `${caller.label}: ${problems.length} problem(s):\n${problems.join('\n')}`);
  }

  // ------------------------------------------------------------------ tokens

  function b64(value: unknown): string {
    return Buffer.from(JSON.stringify(value)).toString('base64url');
  }

  function payloadOf(token: string): Record<string, unknown> {
    return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;
  }

  /** alice's real claims, re-dated and with a fresh id, plus `changes`. */
  function claims(changes: Record<string, unknown> = {}): Record<string, unknown> {
    const now = Math.floor(Date.now() / 1000);
    return { ...payloadOf(alice.token), jti: crypto.randomBytes(16).toString('base64url'), iat: now, iat_ms: now * 1000, nbf: now, exp: now + 600, ...changes };
  }

  function forge(payload: Record<string, unknown>, key: Buffer = jwtSecret, algorithm: jwt.Algorithm = 'HS256'): string {
    // jsonwebtoken keeps the payload's own iat (noTimestamp would drop it, and the server rightly refuses that).
    return jwt.sign(payload, key, { algorithm });
  }

  /** Changes the payload of a real token and keeps its header and signature. */
  function tamper(token: string, change: (p: Record<string, unknown>) => void): string {
    const [header, , signature] = token.split('.');
    const p = payloadOf(token);
    change(p);
    return `${header}.${b64(p)}.${signature}`;
  }

  // ------------------------------------------------------------------ setup

  before(async function () {
    this.timeout(60000);
    url = server().url;
    jwtSecret = fs.readFileSync(path.join(server().dataDir, 'jwt-secret'));
    routes = await liveRoutes();
    admin = await adminToken(url);
    projA = await createProject(url, admin, 'iso-project-a');
    projB = await createProject(url, admin, 'iso-project-b');
    alice = await createTenant(url, admin, { projectId: projA, user: 'iso-alice', role: 'member' });
    bob = await createTenant(url, admin, { projectId: projA, user: 'iso-bob', role: 'member' });
    rita = await createTenant(url, admin, { projectId: projA, user: 'iso-rita', role: 'reader' });
    carol = await createTenant(url, admin, { projectId: projB, user: 'iso-carol', role: 'member' });
    const grant = await v3(url, admin, 'PUT', `/projects/${projB}/users/${alice.userId}/roles/member`);
    assert.equal(grant.status, 204, grant.text);
    const inB = await login(url, {
      identity: { methods: ['password'], password: { user: { name: alice.userName, domain: { id: 'default' }, password: alice.password } } },
      scope: { project: { id: projB } },
    });
    assert.equal(inB.status, 201, inB.text);
    aliceInB = inB.headers['x-subject-token'] as string;

    const cred = await v3(url, alice.token, 'POST', `/users/${alice.userId}/application_credentials`, {
      application_credential: { name: 'agent', client_id: 'hostA' },
    });
    assert.equal(cred.status, 201, cred.text);
    assert.equal(cred.json.application_credential.client_id, 'hostA');
    const agentLogin = await login(url, {
      identity: { methods: ['application_credential'], application_credential: { id: cred.json.application_credential.id, secret: cred.json.application_credential.secret } },
    });
    assert.equal(agentLogin.status, 201, agentLogin.text);
    agentA = agentLogin.headers['x-subject-token'] as string;
    assert.equal(payloadOf(agentA).cid, 'hostA');

    // alice seeds one of each, every one carrying its own secret marker.
    ids.action = await aliceCreate('/actions', { freezer_action: { action: 'backup', backup_name: M.action, path_to_backup: '/srv' } }, 'action_id');
    const job = (client: string, marker: string) => ({
      client_id: client,
      description: marker,
      job_schedule: { schedule_interval: '1 days' },
      job_actions: [{ freezer_action: { action: 'backup', backup_name: marker } }],
    });
    ids.jobA = await aliceCreate('/jobs', job('hostA', M.jobA), 'job_id');
    ids.jobB = await aliceCreate('/jobs', job('hostB', M.jobB), 'job_id');
    ids.session = await aliceCreate('/sessions', { description: M.session, schedule: { schedule_interval: '1 days' } }, 'session_id');
    for (const j of [ids.jobA, ids.jobB]) {
      const res = await asAlice('v2', 'PUT', `/sessions/${ids.session}/jobs/${j}`);
      assert.equal(res.status, 204, res.text);
    }
    ids.backup = await aliceCreate('/backups', { container: 'c', hostname: 'hosta', backup_name: M.backup }, 'backup_id');
    await aliceCreate('/clients', { client_id: 'hostA', hostname: 'hosta', description: M.clientA }, 'client_id');
    await aliceCreate('/clients', { client_id: 'hostB', hostname: 'hostb', description: M.clientB }, 'client_id');
    ids.clientA = (await asAlice('v2', 'GET', '/clients/hostA')).json.client.uuid as string;
    ids.clientB = (await asAlice('v2', 'GET', '/clients/hostB')).json.client.uuid as string;

    // One ended run per job (ended, so the agent-lost sweep leaves them as they are), its reason the marker.
    for (const [job, marker, key] of [[ids.jobA, M.runA, 'runA'], [ids.jobB, M.runB, 'runB']] as const) {
      const run = await aliceCreate('/runs', { job_id: job, trigger: 'schedule', status: 'running', agent: { host: 'hosta' } }, 'run_id');
      const ended = await asAlice('v2', 'PATCH', `/runs/${run}`, { status: 'fail', reason: marker });
      assert.equal(ended.status, 200, ended.text);
      ids[key] = run;
    }

    // A webhook (its description and its secret are markers: neither may reach anyone else).
    ids.webhook = await aliceCreate('/webhooks', { url: 'https://hooks.isolation.invalid/alice', secret: M.webhookSecret, description: M.webhook }, 'webhook_id');

    ownerTargets = { backups: ids.backup, clients: 'hostA', jobs: ids.jobA, actions: ids.action, sessions: ids.session, runs: ids.runA, webhooks: ids.webhook, events: '' };
    hostBTargets = { ...ownerTargets, clients: 'hostB', jobs: ids.jobB, runs: ids.runB };
    baseline = await snapshot();
  });

  const base = (version: Version, project: string) => (version === 'v2' ? `/v2/${project}` : '/v1');

  // ------------------------------------------------------------------ coverage and controls

  it('has an expectation for every API route, and only for real ones', () => {
    const live = routes.map((r) => `${r.method} ${r.path}`).sort();
    assert.deepEqual(live, Object.keys(MATRIX).sort(), 'src/http/routes and the matrix must list the same routes');
  });

  it('controls: alice reads everything she seeded, in v2 and v1; a token forged with the real secret and claims is accepted', async () => {
    for (const [k, v] of Object.entries(baseline)) {
      if (k.startsWith('v2 GET /') && k.split('/').length === 3) {
        assert.equal((v as { status: number }).status, 200, `alice ${k}`);
      }
    }
    for (const [version, marker] of [['v2', M.jobA], ['v1', M.jobB]] as const) {
      const res = await asAlice(version, 'GET', `/jobs?limit=-1`);
      assert.equal(res.status, 200);
      assert.ok(res.text.includes(marker), `alice's ${version} list shows her jobs`);
    }
    // The forging machinery is right, so each 401 below is due to the one defect it has.
    const forged = forge(claims());
    for (const version of ['v2', 'v1'] as const) {
      const res = await call(base(version, projA), { 'X-Auth-Token': forged }, 'GET', `/jobs/${ids.jobA}`);
      assert.equal(res.status, 200, `${version} forged-valid: ${res.text}`);
      assert.ok(res.text.includes(M.jobA));
    }
    const bearer = await call(base('v2', projA), { Authorization: `Bearer ${alice.token}` }, 'GET', `/jobs/${ids.jobA}`);
    assert.equal(bearer.status, 200, 'alice with Authorization: Bearer');
    const agent = await call(base('v2', projA), { 'X-Auth-Token': agentA }, 'GET', `/jobs/${ids.jobA}`);
    assert.equal(agent.status, 200, `the client-limited token reads its own client's job: ${agent.text}`);
    assert.ok(agent.text.includes(M.jobA));
    // Freshness shows the owner her jobs (the matrix checks that no one else sees them).
    const fresh = await call(base('v2', projA), { 'X-Auth-Token': alice.token }, 'GET', '/freshness/jobs?limit=100');
    assert.equal(fresh.status, 200, fresh.text);
    assert.ok(fresh.text.includes(ids.jobA) && fresh.text.includes(M.jobA), `alice's freshness lists her hostA job: ${fresh.text}`);
    // The wait-for-change cursor counts the jobs its caller sees (the matrix expects 0 for others).
    for (const headers of [{ 'X-Auth-Token': alice.token }, { 'X-Auth-Token': agentA }]) {
      const changes = await call(base('v2', projA), headers, 'GET', '/clients/hostA/changes');
      assert.equal(changes.status, 200, changes.text);
      assert.match(String(changes.json.cursor), /^1\./, `hostA's one job is in the owner's and the agent's cursor: ${changes.text}`);
    }
  });

  // ------------------------------------------------------------------ 1-2: no token, bad tokens

  const badTokens: Array<[string, () => Record<string, string> | Promise<Record<string, string>>]> = [
    ['no token', () => ({})],
    ['Authorization: Bearer <garbage>', () => ({ Authorization: 'Bearer not-a-token' })],
    ['X-Auth-Token: <garbage>', () => ({ 'X-Auth-Token': 'garbage' })],
    ['an empty X-Auth-Token and a Basic authorization', () => ({ 'X-Auth-Token': '', Authorization: 'Basic YWxpY2U6cHc=' })],
    ['an expired token', () => ({ 'X-Auth-Token': forge(claims({ iat: nowS() - 7200, iat_ms: (nowS() - 7200) * 1000, nbf: nowS() - 7200, exp: nowS() - 3600 })) })],
    ['a token not valid yet (nbf in an hour)', () => ({ 'X-Auth-Token': forge(claims({ nbf: nowS() + 3600, exp: nowS() + 7200 })) })],
    ['a tampered token (roles changed to admin)', () => ({ 'X-Auth-Token': tamper(alice.token, (p) => (p.roles = ['admin', 'member'])) })],
    ["a tampered token (bob's, sub changed to alice)", () => ({ 'X-Auth-Token': tamper(bob.token, (p) => (p.sub = alice.userId)) })],
    ['a tampered client-limited token (cid removed)', () => ({ 'X-Auth-Token': tamper(agentA, (p) => delete p.cid) })],
    ['an alg:none token', () => ({ 'X-Auth-Token': `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}.` })],
    ['an alg:none token keeping the signature', () => ({ 'X-Auth-Token': `${b64({ alg: 'none', typ: 'JWT' })}.${alice.token.split('.').slice(1).join('.')}` })],
    ['a token for another audience', () => ({ 'X-Auth-Token': forge(claims({ aud: 'not-permafrost' })) })],
    ['a token from another issuer', () => ({ 'X-Auth-Token': forge(claims({ iss: 'someone-else' })) })],
    ['a token signed with another secret', () => ({ 'X-Auth-Token': forge(claims(), crypto.randomBytes(64)) })],
    ['a token signed with HS512 (algorithm not pinned)', () => ({ 'X-Auth-Token': forge(claims(), jwtSecret, 'HS512') })],
    ['a revoked token', revokedToken],
  ];

  function nowS(): number {
    return Math.floor(Date.now() / 1000);
  }

  let revoked: string | null = null;
  async function revokedToken(): Promise<Record<string, string>> {
    if (revoked === null) {
      const res = await login(url, {
        identity: { methods: ['password'], password: { user: { name: alice.userName, domain: { id: 'default' }, password: alice.password } } },
        scope: { project: { id: projA } },
      });
      assert.equal(res.status, 201, res.text);
      const token = res.headers['x-subject-token'] as string;
      assert.equal((await call(`/v2/${projA}`, { 'X-Auth-Token': token }, 'GET', '/jobs')).status, 200, 'the token works before revocation');
      const del = await request(`${url}/v3/auth/tokens`, { method: 'DELETE', headers: { 'X-Auth-Token': token, 'X-Subject-Token': token } });
      assert.equal(del.status, 204, del.text);
      revoked = token;
    }
    return { 'X-Auth-Token': revoked };
  }

  for (const version of ['v2', 'v1'] as const) {
    for (const [label, headers] of badTokens) {
      it(`${version}: ${label} -> 401 on every route, nothing leaks or changes`, async () => {
        await expectBatch({
          label: `${version} ${label}`,
          version,
          base: base(version, projA),
          headers: await headers(),
          targets: ownerTargets,
          who: 'anonymous',
          clientId: 'hostA',
          secrets: ALL_MARKERS,
          expect: unauthenticated,
        });
      });
    }
  }

  // ------------------------------------------------------------------ 3: another project

  it('v2: a member of project B on /v2/<project A> -> 403 on every route', async () => {
    await expectBatch({
      label: 'v2 carol (member of B) on A',
      version: 'v2',
      base: `/v2/${projA}`,
      headers: { 'X-Auth-Token': carol.token },
      targets: ownerTargets,
      who: 'carol',
      clientId: 'carol-host',
      secrets: ALL_MARKERS,
      expect: foreignProject,
    });
  });

  it('v2: alice herself with a token of project B on /v2/<project A> -> 403 on every route', async () => {
    await expectBatch({
      label: 'v2 alice (token of B) on A',
      version: 'v2',
      base: `/v2/${projA}`,
      headers: { 'X-Auth-Token': aliceInB },
      targets: ownerTargets,
      who: 'alice-in-b',
      clientId: 'alice-b-host',
      secrets: ALL_MARKERS,
      expect: foreignProject,
    });
  });

  it('v2: alice in project B (/v2/<project B>) sees and changes nothing of project A', async () => {
    await expectBatch({
      label: 'v2 alice (token of B) on B',
      version: 'v2',
      base: `/v2/${projB}`,
      headers: { 'X-Auth-Token': aliceInB },
      targets: ownerTargets,
      who: 'alice-in-b',
      clientId: 'alice-b-host',
      secrets: ALL_MARKERS,
      userId: alice.userId,
      urlProject: projB,
      expect: otherUser('v2'),
    });
  });

  it('v2: an admin may cross into /v2/<project A> but reads an empty list (data is per user)', async () => {
    for (const collection of COLLECTIONS) {
      const res = await call(`/v2/${projA}`, { 'X-Auth-Token': admin }, 'GET', `/${collection}${everything(collection)}`);
      assert.equal(res.status, 200, `admin GET /${collection}: ${res.text}`);
      assert.deepEqual(res.json, { [collection]: [] }, `admin GET /${collection}`);
    }
    const one = await call(`/v2/${projA}`, { 'X-Auth-Token': admin }, 'GET', `/jobs/${ids.jobA}`);
    assert.equal(one.status, 404);
    assert.equal(one.text, '');
  });

  // ------------------------------------------------------------------ 4: other users (and admin)

  for (const version of ['v2', 'v1'] as const) {
    it(`${version}: another member of project A -> 404 / empty lists / ${version === 'v2' ? '204' : '404'} on DELETE / 403 on replace`, async () => {
      await expectBatch({
        label: `${version} bob`,
        version,
        base: base(version, projA),
        headers: { 'X-Auth-Token': bob.token },
        targets: ownerTargets,
        who: `bob-${version}`,
        clientId: `bob-${version}-host`,
        secrets: ALL_MARKERS,
        userId: bob.userId,
        urlProject: version === 'v2' ? projA : undefined,
        expect: otherUser(version),
      });
    });

    it(`${version}: an admin is just another user for alice's documents`, async () => {
      const adminId = payloadOf(admin).sub as string;
      await expectBatch({
        label: `${version} admin`,
        version,
        base: base(version, projA),
        headers: { 'X-Auth-Token': admin },
        targets: ownerTargets,
        who: `admin-${version}`,
        clientId: `admin-${version}-host`,
        secrets: ALL_MARKERS,
        userId: adminId,
        urlProject: version === 'v2' ? projA : undefined,
        expect: otherUser(version),
      });
    });
  }

  it('v1: a member of project B (v1 scopes by user only) is just another user', async () => {
    await expectBatch({
      label: 'v1 carol',
      version: 'v1',
      base: '/v1',
      headers: { 'X-Auth-Token': carol.token },
      targets: ownerTargets,
      who: 'carol-v1',
      clientId: 'carol-v1-host',
      secrets: ALL_MARKERS,
      userId: carol.userId,
      expect: otherUser('v1'),
    });
  });

  // ------------------------------------------------------------------ 5: a reader writing

  for (const version of ['v2', 'v1'] as const) {
    it(`${version}: a reader of project A -> 403 on every write, her own empty view on reads`, async () => {
      await expectBatch({
        label: `${version} rita (reader)`,
        version,
        base: base(version, projA),
        headers: { 'X-Auth-Token': rita.token },
        targets: ownerTargets,
        who: `rita-${version}`,
        clientId: `rita-${version}-host`,
        secrets: ALL_MARKERS,
        userId: rita.userId,
        urlProject: version === 'v2' ? projA : undefined,
        expect: reader,
      });
    });
  }

  // ------------------------------------------------------------------ 6: a client-limited token

  for (const version of ['v2', 'v1'] as const) {
    it(`${version}: alice's token limited to hostA cannot see or touch hostB's job and client, nor leave the agent rules`, async () => {
      const agentHeaders = { 'X-Auth-Token': agentA };
      const hidden = [M.jobB, M.clientB, M.action, M.session, M.backup];
      await expectBatch({
        label: `${version} agent(hostA) on hostB`,
        version,
        base: base(version, projA),
        headers: agentHeaders,
        targets: hostBTargets,
        who: `agent-${version}`,
        clientId: 'hostB',
        secrets: hidden,
        userId: alice.userId,
        ownerCleansBackups: true,
        expect: limitedToHostA,
      });

      const problems: string[] = [];
      const b = base(version, projA);
      const check = async (what: string, method: string, p: string, body: unknown, status: number, shape?: object) => {
        const res = await call(b, agentHeaders, method, p, body);
        if (res.status !== status) problems.push(`${version} ${what}: expected ${status}, got ${res.status} ${res.text.slice(0, 300)}`);
        else if (shape && !isDeepStrictEqual(res.json, shape)) problems.push(`${version} ${what}: body ${res.text}`);
        const leaked = hidden.filter((m) => res.text.includes(m));
        if (leaked.length > 0) problems.push(`${version} ${what}: LEAK of ${leaked.join(', ')}`);
        return res;
      };
      // Creating a job for hostB, or moving hostA's job to hostB, is refused.
      const hostBJob = { client_id: 'hostB', description: 'pwned', job_actions: [{ freezer_action: { action: 'backup', backup_name: 'pwned' } }] };
      await check('POST /jobs for hostB', 'POST', '/jobs', hostBJob, 403, FORBIDDEN_BODY);
      await check('PATCH hostA job to client hostB', 'PATCH', `/jobs/${ids.jobA}`, { client_id: 'hostB' }, 403, FORBIDDEN_BODY);
      await check('POST /clients hostB', 'POST', '/clients', { client_id: 'hostB', hostname: 'pwned' }, 403, FORBIDDEN_BODY);
      await check('GET /actions', 'GET', '/actions', undefined, 403, FORBIDDEN_BODY);
      await check('POST /sessions', 'POST', '/sessions', { description: 'pwned', schedule: {} }, 403, FORBIDDEN_BODY);
      // A search cannot widen the client filter.
      const search = await check('GET /jobs searching client_id hostB', 'GET', '/jobs?limit=-1', { match: [{ client_id: 'hostB' }] }, 200);
      if (search.status === 200 && !isDeepStrictEqual(search.json, { jobs: [] })) problems.push(`${version} search for hostB jobs: ${search.text}`);
      // Positive controls (read-only): hostA's job and client are there.
      const own = await check('GET hostA job', 'GET', `/jobs/${ids.jobA}`, undefined, 200);
      if (!own.text.includes(M.jobA)) problems.push(`${version} GET hostA job lacks its marker: ${own.text}`);
      const ownClient = await check('GET client hostA', 'GET', '/clients/hostA', undefined, 200);
      if (!ownClient.text.includes(M.clientA)) problems.push(`${version} GET client hostA lacks its marker: ${ownClient.text}`);
      await assertUnchanged(problems, `${version} agent extras`);
      assert.deepEqual(problems, [], problems.join('\n'));
    });
  }

  it('a client-limited token cannot shed its limit: no credential for another client, re-scoped tokens stay limited', async () => {
    const cred = await v3(url, agentA, 'POST', `/users/${alice.userId}/application_credentials`, {
      application_credential: { name: 'escape', client_id: 'hostB' },
    });
    assert.equal(cred.status, 403, `credential for hostB from the hostA token: ${cred.text}`);
    const rescoped = await login(url, { identity: { methods: ['token'], token: { id: agentA } }, scope: { project: { id: projA } } });
    assert.equal(rescoped.status, 201, rescoped.text);
    const derived = rescoped.headers['x-subject-token'] as string;
    assert.equal(payloadOf(derived).cid, 'hostA');
    const res = await call(`/v2/${projA}`, { 'X-Auth-Token': derived }, 'GET', `/jobs/${ids.jobB}`);
    assert.equal(res.status, 404);
    assert.equal(res.text, '');
    const other = await login(url, { identity: { methods: ['token'], token: { id: agentA } }, scope: { project: { id: projB } } });
    assert.notEqual(other.status, 201, 'a client-limited token cannot be re-scoped to another project');
    const problems: string[] = [];
    await assertUnchanged(problems, 'limit escapes');
    assert.deepEqual(problems, [], problems.join('\n'));
  });

  // ------------------------------------------------------------------ foreign ids mixed with own ones

  for (const version of ['v2', 'v1'] as const) {
    it(`${version}: another member mixing his own job or session with alice's gets 404 (400 for a job not in his session)`, async () => {
      const b = base(version, projA);
      const h = { 'X-Auth-Token': bob.token };
      const post = async (p: string, body: unknown, key: string) => {
        const res = await call(b, h, 'POST', p, body);
        assert.equal(res.status, 201, res.text);
        return res.json[key] as string;
      };
      // His job names alice's action id: it gets an action of its own, alice's is untouched.
      const bobJob = await post(
        '/jobs',
        { client_id: 'bob-mix', description: 'bob', job_actions: [{ action_id: ids.action, freezer_action: { action: 'backup', backup_name: 'bob' } }] },
        'job_id',
      );
      const bobJobDoc = (await call(b, h, 'GET', `/jobs/${bobJob}`)).json;
      assert.notEqual(bobJobDoc.job_actions[0].action_id, ids.action, "bob's job took over alice's action id");
      const bobSession = await post('/sessions', { description: 'bob', schedule: {} }, 'session_id');
      const cases: Array<[string, string, string, unknown, number]> = [
        ['his job into her session', 'PUT', `/sessions/${ids.session}/jobs/${bobJob}`, undefined, 404],
        ['her job into his session', 'PUT', `/sessions/${bobSession}/jobs/${ids.jobA}`, undefined, 404],
        ['her job out of his session', 'DELETE', `/sessions/${bobSession}/jobs/${ids.jobA}`, undefined, 404],
        ['his job out of her session', 'DELETE', `/sessions/${ids.session}/jobs/${bobJob}`, undefined, 404],
        ['start his job in her session', 'POST', `/sessions/${ids.session}/action`, { start: { job_id: bobJob, current_tag: 0 } }, 404],
        ['start her job in his session', 'POST', `/sessions/${bobSession}/action`, { start: { job_id: ids.jobA, current_tag: 0 } }, 400],
        ['end her job in his session', 'POST', `/sessions/${bobSession}/action`, { end: { job_id: ids.jobA, result: 'fail' } }, 400],
      ];
      for (const [what, method, p, body, status] of cases) {
        const res = await call(b, h, method, p, body);
        assert.equal(res.status, status, `${what}: ${res.text}`);
        assert.ok(!res.text.includes(secret), `${what} leaked: ${res.text}`);
      }
      const after = (await call(b, h, 'GET', `/jobs/${bobJob}`)).json;
      assert.equal(after.session_id, '', "bob's job joined alice's session");
      const session = (await call(b, h, 'GET', `/sessions/${bobSession}`)).json;
      assert.ok(!JSON.stringify(session.jobs ?? {}).includes(ids.jobA), "alice's job is in bob's session");
      // The same client_id in two tenants stays apart.
      const mine = await call(b, h, 'POST', '/clients', { client_id: 'hostA', hostname: 'bobhost' });
      assert.equal(mine.status, 201, `bob registers his own hostA: ${mine.text}`);
      const got = await call(b, h, 'GET', '/clients/hostA');
      assert.equal(got.json.client.hostname, 'bobhost');
      assert.ok(!got.text.includes(secret));
      assert.equal((await call(b, h, 'DELETE', '/clients/hostA')).status, 204);
      const problems: string[] = [];
      await assertUnchanged(problems, `${version} bob mixing`);
      assert.deepEqual(problems, [], problems.join('\n'));
    });
  }

  // ------------------------------------------------------------------ positive controls that write (last)

  it('positive control: the hostA token patches, signals and reports its own job', async () => {
    const h = { 'X-Auth-Token': agentA };
    const patched = await call(`/v2/${projA}`, h, 'PATCH', `/jobs/${ids.jobA}`, { description: 'agent-was-here' });
    assert.equal(patched.status, 200, patched.text);
    assert.equal((await asAlice('v2', 'GET', `/jobs/${ids.jobA}`)).json.description, 'agent-was-here');
    const event = await call('/v1', h, 'POST', `/jobs/${ids.jobA}/event`, { stop: null });
    assert.equal(event.status, 202, event.text);
    assert.equal((await asAlice('v2', 'GET', `/jobs/${ids.jobA}`)).json.job_schedule.event, 'stop');
    const start = await call(`/v2/${projA}`, h, 'POST', `/sessions/${ids.session}/action`, { start: { job_id: ids.jobA, current_tag: 0 } });
    assert.equal(start.status, 202, start.text);
    const session = (await asAlice('v2', 'GET', `/sessions/${ids.session}`)).json;
    assert.equal(session.jobs[ids.jobA].status, 'running');
    const backup = await call(`/v2/${projA}`, h, 'POST', '/backups', { container: 'c', hostname: 'hosta', backup_name: 'agent-backup' });
    assert.equal(backup.status, 201, backup.text);
    assert.equal((await asAlice('v2', 'GET', `/backups/${backup.json.backup_id}`)).status, 200);
  });
});
