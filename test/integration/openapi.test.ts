import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import type { Authenticator } from '../../src/auth/identity';
import { AllowAllPolicy } from '../../src/auth/policy';
import { createApiRouter } from '../../src/http/api-router';
import { createKeystoneRouter } from '../../src/http/keystone/keystone-router';
import { SERVICE_ROUTES } from '../../src/http/service-routes';
import type { Services } from '../../src/services';
import type { IdentityServices } from '../../src/services/identity';
import { findSchemaDir } from '../../src/validation';
import { request, type Response } from '../helpers/http';
import { adminToken, createProject, createTenant, JWT_ENV, login, passwordAuth, v3, type Tenant } from '../helpers/identity';
import { OpenApiChecker } from '../helpers/openapi-check';
import { useServer } from '../helpers/server';

type Doc = { paths: Record<string, Record<string, Record<string, unknown>>> } & Record<string, unknown>;

/** The routes as the routers themselves list them (not as the document does). */
function routerRoutes(): string[] {
  const api = createApiRouter({} as Services, new AllowAllPolicy(), {
    versions: ['v1', 'v2'], readBody: async () => undefined, lineSplitter: () => { throw new Error('routes are listed, not called'); }, admitStream: () => ({ seconds: 30, touch: () => undefined, done: () => undefined }), enforceProjectScope: false, authMode: 'jwt', projectRoles: null,
  });
  const keystone = createKeystoneRouter({
    identity: {} as IdentityServices, authenticator: {} as Authenticator, policy: new AllowAllPolicy(), readBody: async () => undefined, publicUrl: null,
  });
  return [...SERVICE_ROUTES, ...api.list, ...keystone.list].map((r) => `${r.method} ${r.path}`).sort();
}

function documentRoutes(doc: Doc): string[] {
  return Object.entries(doc.paths).flatMap(([p, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${p}`)).sort();
}

describe('openapi: GET /openapi.json (auth=jwt, v1 and v2)', function () {
  this.timeout(60_000);
  const server = useServer({ env: JWT_ENV });
  let doc: Doc;
  before(async () => {
    const res = await request(`${server().url}/openapi.json`);
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    doc = res.json as Doc;
  });

  it('openapi: the document is valid OpenAPI 3.1 (swagger-parser: schema and references)', async () => {
    assert.equal(doc.openapi, '3.1.0');
    await SwaggerParser.validate(structuredClone(doc) as never);
  });

  it('openapi: every route of the API and /v3 routers and every service endpoint is in the document, with its responses described', () => {
    assert.deepEqual(documentRoutes(doc), routerRoutes());
    const undescribed = documentRoutes(doc).filter((r) => {
      const [m, p] = r.split(' ');
      return doc.paths[p][m.toLowerCase()]['x-permafrost-undescribed'] === true;
    });
    assert.deepEqual(undescribed, [], 'routes with no entry in schemas/openapi/operations.json');
  });

  it('openapi: every entry of schemas/openapi/operations.json describes a route that exists', () => {
    const ops = JSON.parse(fs.readFileSync(path.join(findSchemaDir(), 'openapi', 'operations.json'), 'utf8')) as { api: object; other: object };
    const routes = new Set(routerRoutes());
    for (const key of Object.keys(ops.api)) {
      const [m, p] = key.split(' ');
      assert.ok(routes.has(`${m} /v1${p}`) && routes.has(`${m} /v2/{project_id}${p}`), `operations.json api entry ${key} has no route`);
    }
    for (const key of Object.keys(ops.other)) assert.ok(routes.has(key), `operations.json entry ${key} has no route`);
  });

  it('openapi: request bodies are the schemas/ files, as JSON Schema 2020-12 components', () => {
    const schemas = (doc.components as { schemas: Record<string, Record<string, unknown>> }).schemas;
    const post = doc.paths['/v2/{project_id}/jobs'].post.requestBody as { content: Record<string, { schema: { $ref: string } }> };
    assert.equal(post.content['application/json'].schema.$ref, '#/components/schemas/job');
    assert.equal((schemas.job.properties as Record<string, { $ref?: string }>).job_schedule.$ref, '#/components/schemas/job_schedule');
    assert.ok(schemas.job_schedule, 'job_schedule is a component');
    for (const [name, schema] of Object.entries(schemas)) assert.ok(!('$id' in schema) && !('definitions' in schema), `${name} keeps draft-07 keywords`);
    assert.ok(doc.paths['/v1/jobs'].get['x-permafrost-nonstandard-responses'], "Freezer's 753 is described apart");
  });

  it('openapi: a tour calling every operation gets responses that all validate against the document', async () => {
    const url = server().url;
    const checker = new OpenApiChecker(doc);
    const seen = new Set<string>();
    const problems: string[] = [];
    const call = async (method: string, p: string, token: string | null, body?: unknown, headers: Record<string, string> = {}): Promise<Response> => {
      const res = await request(`${url}${p}`, { method, body, headers: { ...(token ? { 'X-Auth-Token': token } : {}), ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers } });
      const { operation, problem } = checker.check({ method, url: p, status: res.status, contentType: (res.headers['content-type'] as string | undefined) ?? null, body: res.text });
      if (operation) seen.add(operation);
      if (problem) problems.push(problem);
      return res;
    };
    const admin = await adminToken(url);
    const project = await createProject(url, admin, 'tour');
    const t: Tenant = await createTenant(url, admin, { projectId: project, user: 'tourist', role: 'member' });
    // Service endpoints.
    await call('GET', '/', null);
    await call('GET', '/healthcheck', null);
    await call('HEAD', '/healthcheck', null);
    await call('GET', '/openapi.json', null);
    await call('GET', '/metrics', admin);
    await call('GET', '/metrics', t.token);
    // The Freezer API, both versions: every operation, a success and a miss.
    for (const base of ['/v1', `/v2/${project}`]) {
      await call('GET', base.startsWith('/v1') ? '/v1' : '/v2', t.token);
      await call('GET', `${base}/jobs/nope`, t.token);
      await call('POST', `${base}/clients`, t.token, { client_id: `host-${base.length}`, hostname: 'host1' });
      await call('GET', `${base}/clients`, t.token);
      await call('GET', `${base}/clients/host-${base.length}`, t.token);
      await call('GET', `${base}/clients/host-${base.length}/changes?wait=0`, t.token);
      const job = await call('POST', `${base}/jobs`, t.token, { client_id: `host-${base.length}`, job_actions: [{ freezer_action: { action: 'backup', path_to_backup: '/d', backup_name: 'b', container: '/c' }, max_retries: 2 }], job_schedule: {} });
      const jobId = job.json.job_id as string;
      await call('GET', `${base}/jobs`, t.token, { match: [{ client_id: `host-${base.length}` }] });
      await call('GET', `${base}/jobs/${jobId}`, t.token);
      await call('PATCH', `${base}/jobs/${jobId}`, t.token, { description: 'patched' });
      await call('POST', `${base}/jobs/${jobId}`, t.token, { client_id: `host-${base.length}`, job_actions: [], job_schedule: {} });
      await call('POST', `${base}/jobs/${jobId}/event`, t.token, { start: null });
      await call('PATCH', `${base}/jobs/${jobId}`, t.token, '{not json');
      const run = await call('POST', `${base}/runs`, t.token, { job_id: jobId, trigger: 'schedule', status: 'running', agent: { host: 'host1', pid: 1, version: '1' } });
      const runId = run.json.run_id as string;
      const lines = `${JSON.stringify({ run_id: runId, progress: { phase: 'backup', pct_complete: 5 } })}\n${JSON.stringify({ run_id: 'nope', progress: {} })}\n`;
      await call('POST', `${base}/run-reports`, t.token, lines, { 'Content-Type': 'application/x-ndjson', Accept: 'application/x-ndjson' });
      await call('PATCH', `${base}/runs/${runId}`, t.token, { status: 'fail', reason: 'exit code 1', log_tail: ['boom'] });
      await call('PATCH', `${base}/runs/${runId}`, t.token, { status: 'success' });
      await call('GET', `${base}/runs/${runId}`, t.token);
      await call('GET', `${base}/runs?job_id=${jobId}`, t.token);
      await call('GET', `${base}/runs?bogus=1`, t.token);
      await call('GET', `${base}/freshness/jobs?stale=false&limit=5`, t.token);
      await call('GET', `${base}/freshness/jobs?bogus=1`, t.token);
      await call('GET', `${base}/freshness/clients?silent=false`, t.token);
      // Run now (no agent: it stays queued; 202, then 200 for the same key), cancel (202, then 409).
      const queued = await call('POST', `${base}/jobs/${jobId}/runs`, t.token, undefined, { 'Idempotency-Key': `tour-${base.length}` });
      await call('POST', `${base}/jobs/${jobId}/runs`, t.token, undefined, { 'Idempotency-Key': `tour-${base.length}` });
      await call('POST', `${base}/jobs/${jobId}/runs?wait=x`, t.token);
      await call('POST', `${base}/runs/${queued.json.run_id as string}/cancel`, t.token);
      await call('POST', `${base}/runs/${queued.json.run_id as string}/cancel`, t.token);
      const action = await call('POST', `${base}/actions`, t.token, { freezer_action: { action: 'backup', path_to_backup: '/d', backup_name: 'b', container: '/c' } });
      const actionId = action.json.action_id as string;
      await call('GET', `${base}/actions`, t.token);
      await call('GET', `${base}/actions/${actionId}`, t.token);
      await call('PATCH', `${base}/actions/${actionId}`, t.token, { max_retries: 3 });
      await call('POST', `${base}/actions/${actionId}`, t.token, { freezer_action: { action: 'backup' } });
      await call('DELETE', `${base}/actions/${actionId}`, t.token);
      const session = await call('POST', `${base}/sessions`, t.token, { description: 's', schedule: {} });
      const sessionId = session.json.session_id as string;
      await call('GET', `${base}/sessions`, t.token);
      await call('PUT', `${base}/sessions/${sessionId}/jobs/${jobId}`, t.token);
      await call('GET', `${base}/sessions/${sessionId}`, t.token);
      await call('POST', `${base}/sessions/${sessionId}/action`, t.token, { start: { job_id: jobId, current_tag: 0 } });
      await call('PATCH', `${base}/sessions/${sessionId}`, t.token, { description: 'p' });
      await call('POST', `${base}/sessions/${sessionId}`, t.token, { description: 'r', schedule: {}, session_tag: 0 });
      await call('DELETE', `${base}/sessions/${sessionId}/jobs/${jobId}`, t.token);
      await call('DELETE', `${base}/sessions/${sessionId}`, t.token);
      const backup = await call('POST', `${base}/backups`, t.token, { container: '/c', hostname: 'host1', backup_name: 'b' });
      await call('GET', `${base}/backups`, t.token);
      await call('GET', `${base}/backups/${backup.json.backup_id as string}`, t.token);
      await call('DELETE', `${base}/backups/${backup.json.backup_id as string}`, t.token);
      await call('DELETE', `${base}/jobs/${jobId}`, t.token);
      await call('DELETE', `${base}/jobs/${jobId}`, t.token);
      await call('DELETE', `${base}/clients/host-${base.length}`, t.token);
      // Events and webhooks (issue 12, item 5); `.invalid` never resolves, so no delivery goes out.
      await call('GET', `${base}/events?since=0&limit=5&types=run.failed`, t.token);
      await call('GET', `${base}/events?types=nope`, t.token);
      const hook = await call('POST', `${base}/webhooks`, t.token, { url: 'https://hooks.tour.invalid/in', secret: 'tour-secret-0123456789', events: ['run.failed'] });
      const hookId = hook.json.webhook_id as string;
      await call('GET', `${base}/webhooks`, t.token);
      await call('GET', `${base}/webhooks/${hookId}`, t.token);
      await call('PATCH', `${base}/webhooks/${hookId}`, t.token, { enabled: false });
      await call('GET', `${base}/webhooks/${hookId}/deliveries`, t.token);
      await call('DELETE', `${base}/webhooks/${hookId}`, t.token);
      await call('GET', `${base}/webhooks/${hookId}`, t.token);
      await call('HEAD', `${base}/jobs`, t.token);
      await call('GET', `${base}/jobs`, null);
      await call('GET', `${base}/jobs`, t.token, undefined, { Accept: 'text/html' });
    }
    // The Keystone subset.
    await call('GET', '/v3', null);
    const logged = await login(url, passwordAuth('tourist', t.password, { id: project }));
    await call('POST', '/v3/auth/tokens', null, { auth: passwordAuth('tourist', t.password, { id: project }) });
    await call('GET', '/v3/auth/tokens', admin, undefined, { 'X-Subject-Token': logged.headers['x-subject-token'] as string });
    await call('DELETE', '/v3/auth/tokens', admin, undefined, { 'X-Subject-Token': logged.headers['x-subject-token'] as string });
    await call('GET', '/v3/auth/projects', t.token);
    await call('GET', '/v3/domains', t.token);
    await call('GET', '/v3/domains/default', t.token);
    const p2 = await call('POST', '/v3/projects', admin, { project: { name: 'tour2' } });
    const p2id = p2.json.project.id as string;
    await call('GET', '/v3/projects', admin);
    await call('GET', `/v3/projects/${p2id}`, admin);
    await call('PATCH', `/v3/projects/${p2id}`, admin, { project: { description: 'x' } });
    const u = await call('POST', '/v3/users', admin, { user: { name: 'walker2', password: 'walker2-password' } });
    const uid = u.json.user.id as string;
    await call('GET', '/v3/users', admin);
    await call('GET', `/v3/users/${uid}`, admin);
    await call('PATCH', `/v3/users/${uid}`, admin, { user: { email: 'w@example.org' } });
    const role = await call('POST', '/v3/roles', admin, { role: { name: 'tour-role' } });
    const roleId = role.json.role.id as string;
    await call('GET', '/v3/roles', admin);
    await call('GET', `/v3/roles/${roleId}`, admin);
    await call('PUT', `/v3/projects/${p2id}/users/${uid}/roles/member`, admin);
    await call('GET', `/v3/projects/${p2id}/users/${uid}/roles`, admin);
    await call('GET', `/v3/projects/${p2id}/users/${uid}/roles/member`, admin);
    await call('HEAD', `/v3/projects/${p2id}/users/${uid}/roles/member`, admin);
    await call('GET', '/v3/role_assignments', admin);
    await call('GET', `/v3/users/${uid}/projects`, admin);
    await call('POST', `/v3/users/${t.userId}/password`, t.token, { user: { original_password: t.password, password: 'a-new-password-1' } });
    const t2 = await login(url, passwordAuth('tourist', 'a-new-password-1', { id: project }));
    const tok2 = t2.headers['x-subject-token'] as string;
    const cred = await call('POST', `/v3/users/${t.userId}/application_credentials`, tok2, { application_credential: { name: 'c1' } });
    await call('GET', `/v3/users/${t.userId}/application_credentials`, tok2);
    await call('GET', `/v3/users/${t.userId}/application_credentials/${cred.json.application_credential.id as string}`, tok2);
    await call('DELETE', `/v3/users/${t.userId}/application_credentials/${cred.json.application_credential.id as string}`, tok2);
    await call('DELETE', `/v3/projects/${p2id}/users/${uid}/roles/member`, admin);
    await call('DELETE', `/v3/roles/${roleId}`, admin);
    await call('DELETE', `/v3/users/${uid}`, admin);
    await call('DELETE', `/v3/projects/${p2id}`, admin);
    await call('GET', '/v3/projects', t2.headers['x-subject-token'] as string);
    assert.deepEqual(problems, []);
    assert.deepEqual(checker.operations().filter((op) => !seen.has(op)), [], 'operations the tour did not call');
    assert.equal((await v3(url, admin, 'GET', '/roles?name=tour-role')).json.roles.length, 0);
  });
});
