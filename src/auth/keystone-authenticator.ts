import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from 'pino';
import type { KeystoneSettings } from '../config/config';
import { IdentityUnavailableError, UnauthorizedError } from '../errors';
import type { Authenticator, Identity } from './identity';
import { tokenFromHeaders } from './token-header';

interface Cached {
  identity: Identity;
  /** Epoch ms: the earlier of the cache lifetime and the token's own expiry. */
  until: number;
}

const AUTH_FAILED = 'The request you have made requires authentication.';

/**
 * auth=keystone: tokens are validated by an external Keystone (GET /v3/auth/tokens with this
 * service's own token, as keystonemiddleware does), and each answer is reused for a bounded
 * time, never past the token's expiry. Failures are never cached; concurrent requests with the
 * same token share one validation call.
 */
export class KeystoneAuthenticator implements Authenticator {
  readonly mode = 'keystone';
  private readonly base: string;
  private readonly cache = new Map<string, Cached>();
  private readonly inflight = new Map<string, Promise<Identity>>();
  private service: { token: string; until: number } | null = null;

  constructor(
    private readonly settings: KeystoneSettings,
    private readonly log: Logger,
    /** The cloud admin project, by id, or by name in keystone.project_domain_name (setting cloud_admin_project). */
    private readonly adminProject: string,
    private readonly now: () => number = Date.now,
  ) {
    if (!settings.url) throw new Error('auth=keystone needs keystone.url (env PERMAFROST_KEYSTONE_URL)');
    this.base = settings.url.replace(/\/+$/, '').replace(/\/v3$/, '') + '/v3';
  }

  async authenticate(headers: IncomingHttpHeaders): Promise<Identity> {
    const token = tokenFromHeaders(headers);
    if (!token) throw new UnauthorizedError(AUTH_FAILED);
    const hit = this.cache.get(token);
    if (hit && hit.until > this.now()) return hit.identity;
    if (hit) this.cache.delete(token);
    let pending = this.inflight.get(token);
    if (!pending) {
      pending = this.validate(token).finally(() => this.inflight.delete(token));
      this.inflight.set(token, pending);
    }
    return pending;
  }

  private async validate(token: string): Promise<Identity> {
    let res = await this.call('GET', '/auth/tokens', { 'X-Auth-Token': await this.serviceToken(token), 'X-Subject-Token': token });
    if (res.status === 401 && this.service) {
      // Our own token expired or was revoked: get a new one once.
      this.service = null;
      res = await this.call('GET', '/auth/tokens', { 'X-Auth-Token': await this.serviceToken(token), 'X-Subject-Token': token });
    }
    if (res.status === 404 || res.status === 401) throw new UnauthorizedError(AUTH_FAILED);
    if (res.status !== 200) throw this.unavailable(`token validation answered ${res.status}`);
    const { identity, expires } = parseTokenBody(await res.json().catch(() => null), { project: this.adminProject, domain: this.settings.project_domain_name });
    if (!identity) throw this.unavailable('token validation answered an unreadable token body');
    const until = Math.min(this.now() + this.settings.cache_ttl_s * 1000, expires);
    if (until <= this.now()) throw new UnauthorizedError(AUTH_FAILED);
    this.remember(token, { identity, until });
    return identity;
  }

  /** This service's token; without configured credentials a token validates itself. */
  private async serviceToken(subject: string): Promise<string> {
    const s = this.settings;
    if (!s.username || !s.password) return subject;
    if (this.service && this.service.until > this.now()) return this.service.token;
    const body = {
      auth: {
        identity: { methods: ['password'], password: { user: { name: s.username, password: s.password, domain: { name: s.user_domain_name } } } },
        ...(s.project_name ? { scope: { project: { name: s.project_name, domain: { name: s.project_domain_name } } } } : {}),
      },
    };
    const res = await this.call('POST', '/auth/tokens', { 'Content-Type': 'application/json' }, JSON.stringify(body));
    const token = res.headers.get('x-subject-token');
    if (res.status !== 201 || !token) throw this.unavailable(`service login as ${s.username} answered ${res.status}`);
    const { expires } = parseTokenBody(await res.json().catch(() => null));
    // Renew a minute early so a validation never goes out with a token about to expire.
    this.service = { token, until: Math.min(expires - 60_000, this.now() + 3600_000) };
    return token;
  }

  private async call(method: string, path: string, headers: Record<string, string>, body?: string): Promise<Response> {
    try {
      return await fetch(this.base + path, { method, headers: { Accept: 'application/json', ...headers }, body, signal: AbortSignal.timeout(this.settings.timeout_ms) });
    } catch (err) {
      throw this.unavailable(`cannot reach ${this.base}: ${(err as Error).message}`);
    }
  }

  private unavailable(why: string): IdentityUnavailableError {
    this.log.error({ keystone: this.base }, `identity service: ${why}`);
    return new IdentityUnavailableError('The identity service is unavailable; retry later.');
  }

  private remember(token: string, entry: Cached): void {
    if (this.cache.size >= this.settings.cache_size) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(token, entry);
  }
}

/** The cloud admin project: an id, or a name inside a domain (given by id or name). */
interface AdminProject {
  project: string;
  domain: string;
}

/** The identity in a Keystone v3 token body, and its expiry (epoch ms). */
function parseTokenBody(body: unknown, admin?: AdminProject): { identity: Identity | null; expires: number } {
  const t = (body as { token?: Record<string, unknown> } | null)?.token;
  const user = t?.user as { id?: unknown; name?: unknown } | undefined;
  const expires = typeof t?.expires_at === 'string' ? Date.parse(t.expires_at) : NaN;
  if (!t || typeof user?.id !== 'string' || Number.isNaN(expires)) return { identity: null, expires: 0 };
  const project = t.project as KeystoneProject | undefined;
  const roles = Array.isArray(t.roles) ? t.roles.map((r: { name?: unknown }) => r?.name).filter((n): n is string => typeof n === 'string') : [];
  return {
    identity: {
      userId: user.id,
      userName: typeof user.name === 'string' ? user.name : null,
      projectId: typeof project?.id === 'string' ? project.id : null,
      roles,
      clientId: null,
      // Keystone's own is_admin_project is true for every project unless its operator configured
      // one, so it cannot decide alone; when it says false, though, that is respected.
      isAdminProject: admin !== undefined && t.is_admin_project !== false && isProject(project, admin),
    },
    expires,
  };
}

interface KeystoneProject {
  id?: unknown;
  name?: unknown;
  domain?: { id?: unknown; name?: unknown };
}

/**
 * Whether the token's project is the admin project: the same id, or the same name in the
 * configured domain (a project name alone is only unique within its domain, and a domain admin
 * elsewhere could create a project of that name).
 */
function isProject(project: KeystoneProject | undefined, admin: AdminProject): boolean {
  if (!project) return false;
  if (project.id === admin.project) return true;
  if (project.name !== admin.project) return false;
  const domain = admin.domain.toLowerCase();
  const { id, name } = project.domain ?? {};
  return (typeof id === 'string' && id.toLowerCase() === domain) || (typeof name === 'string' && name.toLowerCase() === domain);
}
