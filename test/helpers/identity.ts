import assert from 'node:assert/strict';
import { Api, request, type Response } from './http';

export const ADMIN_PASSWORD = 'admin-secret-pw-1';

/** Environment for a server in jwt mode with a bootstrapped admin (user and project `admin`). */
export const JWT_ENV = { PERMAFROST_AUTH: 'jwt', PERMAFROST_ADMIN_PASSWORD: ADMIN_PASSWORD };

export interface Tenant {
  projectId: string;
  userId: string;
  userName: string;
  password: string;
  token: string;
  /** /v2/<project> with this tenant's token. */
  api: Api;
}

/** POST /v3/auth/tokens; resolves to the whole response (token in X-Subject-Token). */
export function login(url: string, auth: Record<string, unknown>): Promise<Response> {
  return request(`${url}/v3/auth/tokens`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: { auth } });
}

export function passwordAuth(user: string, password: string, project?: { id?: string; name?: string }): Record<string, unknown> {
  return {
    identity: { methods: ['password'], password: { user: { name: user, domain: { id: 'default' }, password } } },
    ...(project ? { scope: { project: { ...project, domain: { id: 'default' } } } } : {}),
  };
}

/** A token for user/password, scoped to a project; fails the test when login fails. */
export async function tokenFor(url: string, user: string, password: string, project: { id?: string; name?: string }): Promise<string> {
  const res = await login(url, passwordAuth(user, password, project));
  assert.equal(res.status, 201, `login as ${user}: ${res.text}`);
  return res.headers['x-subject-token'] as string;
}

export function adminToken(url: string): Promise<string> {
  return tokenFor(url, 'admin', ADMIN_PASSWORD, { name: 'admin' });
}

/** Calls the /v3 admin API with a token. */
export function v3(url: string, token: string, method: string, path: string, body?: unknown): Promise<Response> {
  return request(`${url}/v3${path}`, { method, body, headers: { 'X-Auth-Token': token, ...(body ? { 'Content-Type': 'application/json' } : {}) } });
}

export async function createProject(url: string, admin: string, name: string): Promise<string> {
  const res = await v3(url, admin, 'POST', '/projects', { project: { name } });
  assert.equal(res.status, 201, res.text);
  return res.json.project.id as string;
}

/** Creates a user with a role on a project (both through the admin API) and logs them in. */
export async function createTenant(url: string, admin: string, opts: { projectId: string; user: string; role: string }): Promise<Tenant> {
  const password = `${opts.user}-password`;
  const created = await v3(url, admin, 'POST', '/users', { user: { name: opts.user, password } });
  assert.equal(created.status, 201, created.text);
  const userId = created.json.user.id as string;
  const grant = await v3(url, admin, 'PUT', `/projects/${opts.projectId}/users/${userId}/roles/${opts.role}`);
  assert.equal(grant.status, 204, grant.text);
  const token = await tokenFor(url, opts.user, password, { id: opts.projectId });
  return { projectId: opts.projectId, userId, userName: opts.user, password, token, api: tokenApi(url, opts.projectId, token) };
}

/** /v2/<project> (or /v1 when project is null) with only X-Auth-Token, as the stock tools send. */
export function tokenApi(url: string, project: string | null, token: string): Api {
  return new Api(url, project === null ? '/v1' : `/v2/${project}`, { 'X-Auth-Token': token });
}
