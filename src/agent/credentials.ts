import type { Logger } from 'pino';
import type { AgentConfig } from '../config/agent-config';
import { httpJson, jsonOf } from './http-json';

/** What every API request carries to say who the agent is. */
export interface Credentials {
  /** Headers for the next request (logging in first when needed). */
  headers(): Promise<Record<string, string>>;
  /** The API answered 401: the token is stale; the next headers() logs in again, if it can. */
  invalidate(): void;
  /** The project of the token (after the first login), for v2 URLs and the default client id. */
  projectId(): Promise<string | null>;
}

/** A fixed token (OS_TOKEN), or fixed identity headers for a noauth API (development). */
export class StaticCredentials implements Credentials {
  constructor(
    private readonly fixed: Record<string, string>,
    private readonly project: string | null,
  ) {}

  async headers() {
    return this.fixed;
  }
  invalidate(): void {}
  async projectId() {
    return this.project;
  }
}

/**
 * A login at a Keystone v3 endpoint (Permafrost's own /v3 or a real Keystone) with a password or
 * an application credential; the token is reused until shortly before it expires, or until the
 * API refuses it.
 */
export class KeystoneCredentials implements Credentials {
  private token: { id: string; until: number; project: string | null } | null = null;
  private pending: Promise<void> | null = null;

  constructor(
    private readonly config: AgentConfig,
    private readonly log: Logger,
  ) {}

  async headers() {
    await this.ensure();
    return { 'X-Auth-Token': (this.token as { id: string }).id };
  }

  invalidate(): void {
    this.token = null;
  }

  async projectId() {
    await this.ensure();
    return this.token?.project ?? null;
  }

  private async ensure(): Promise<void> {
    if (this.token && this.token.until > Date.now()) return;
    this.pending ??= this.login().finally(() => (this.pending = null));
    await this.pending;
  }

  private async login(): Promise<void> {
    const c = this.config;
    const url = `${identityV3Url(c.auth_url as string)}/auth/tokens`;
    const res = await httpJson('POST', url, { body: { auth: authBody(c) }, timeoutMs: c.request_timeout_ms });
    const token = res.headers['x-subject-token'];
    if (res.status !== 201 || typeof token !== 'string') {
      throw new LoginError(res.status, `login at ${c.auth_url} failed with HTTP ${res.status}${res.status === 401 ? ' (wrong credentials?)' : ''}`);
    }
    const body = jsonOf(res) as { token?: { expires_at?: string; project?: { id?: string } } } | null;
    const expires = Date.parse(body?.token?.expires_at ?? '') || Date.now() + 3600_000;
    // Renew a minute early, so no request leaves with a token about to expire.
    this.token = { id: token, until: expires - 60_000, project: body?.token?.project?.id ?? null };
    this.log.info({ authUrl: c.auth_url, project: this.token.project }, 'logged in');
  }
}

/** The Keystone v3 root of an auth URL given with or without its `/v3` (OS_AUTH_URL is seen both ways). */
export function identityV3Url(authUrl: string): string {
  return `${authUrl.replace(/\/+$/, '').replace(/\/v3$/, '')}/v3`;
}

/** The identity service answered a login with an error status (401: the credentials were refused). */
export class LoginError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function authBody(c: AgentConfig) {
  if (c.application_credential_id !== null) {
    return { identity: { methods: ['application_credential'], application_credential: { id: c.application_credential_id, secret: c.application_credential_secret } } };
  }
  const project = c.project_id !== null ? { id: c.project_id } : c.project_name !== null ? { name: c.project_name, domain: { name: c.project_domain_name } } : null;
  return {
    identity: { methods: ['password'], password: { user: { name: c.username, password: c.password, domain: { name: c.user_domain_name } } } },
    ...(project ? { scope: { project } } : {}),
  };
}

export function credentialsFor(config: AgentConfig, log: Logger): Credentials {
  if (config.application_credential_id !== null || config.username !== null) return new KeystoneCredentials(config, log);
  if (config.token !== null) return new StaticCredentials({ 'X-Auth-Token': config.token }, config.project_id);
  return new StaticCredentials({ 'X-User-Id': config.noauth_user as string, ...(config.project_id ? { 'X-Project-Id': config.project_id } : {}) }, config.project_id);
}
