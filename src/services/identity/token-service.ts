import type { LoginAccount, LoginSource } from '../../auth/login-throttle';
import { chainOf, type TokenClaims, type TokenIssuer, type TokenVerifier } from '../../auth/tokens';
import { ForbiddenError, UnauthorizedError } from '../../errors';
import type { Doc } from '../../store/types';
import { isObject } from '../common';
import type { CredentialsService } from './credentials';
import type { IdentityDeps } from './identity-deps';
import type { ProjectsService } from './projects';
import { AUTH_FAILED, proveSecret } from './prove-secret';
import type { CredentialRecord, ProjectRecord, UserRecord } from './records';
import type { RolesService } from './roles';
import type { UsersService } from './users';

export interface IssuedToken {
  token: string;
  claims: TokenClaims;
}

interface Who {
  user: UserRecord;
  methods: string[];
  /** Project the credential itself fixes (application credential, limited token); else null. */
  fixedProject: string | null;
  credential: CredentialRecord | null;
  /** The token this one is derived from (token method): its scope and expiry carry over. */
  parent: TokenClaims | null;
}

/**
 * POST /v3/auth/tokens and token validation. Every failure to prove an identity is the same
 * 401, whatever was wrong (unknown user, wrong password, disabled, expired credential), and
 * repeated failures on one account or from one address are slowed down (LoginThrottle).
 */
export class TokenService {
  constructor(
    private readonly deps: IdentityDeps,
    private readonly parts: {
      users: UsersService;
      projects: ProjectsService;
      roles: RolesService;
      credentials: CredentialsService;
      issuer: TokenIssuer | null;
      verifier: TokenVerifier;
    },
  ) {}

  /** Verifies a token and checks it against the revocation events; throws UnauthorizedError. */
  validate(token: string): TokenClaims {
    const claims = this.parts.verifier.verify(token);
    if (this.deps.revocations.isRevoked(claims)) throw new UnauthorizedError(AUTH_FAILED);
    return claims;
  }

  /**
   * Logout: ends the token's whole audit chain, i.e. the login it belongs to and every token
   * derived from it with the token method, before or after this one.
   */
  async revoke(claims: TokenClaims): Promise<void> {
    // A chain's tokens never outlive its first one, whose expiry this token may not know: the
    // event is kept for the longest lifetime any token can have.
    await this.deps.revocations.revoke('chain', chainOf(claims));
  }

  /** POST /v3/auth/tokens; `from` is where the request came from (for the throttle and the logs). */
  async authenticate(body: unknown, from: LoginSource): Promise<IssuedToken> {
    this.deps.validator.assertKeystone('keystone_auth', body);
    const auth = (body as { auth: Doc }).auth;
    const identity = auth.identity as Doc;
    const methods = identity.methods as string[];
    if (methods.length !== 1 || !['password', 'token', 'application_credential'].includes(methods[0])) {
      throw new UnauthorizedError(`Unsupported authentication method: ${methods.join(', ')}`);
    }
    const method = methods[0];
    if (!isObject(identity[method])) throw new UnauthorizedError(AUTH_FAILED);
    const who =
      method === 'password'
        ? await this.byPassword(identity.password as Doc, from)
        : method === 'token'
          ? await this.byToken(identity.token as Doc)
          : await this.byCredential(identity.application_credential as Doc, from);
    if (!who.user.enabled) throw new UnauthorizedError(AUTH_FAILED);
    const project = await this.scopeOf(auth.scope, who);
    return this.issue(who, project);
  }

  // ------------------------------------------------------------------ methods

  private async byPassword(password: Doc, from: LoginSource): Promise<Who> {
    const ref = password.user as Doc;
    if (!inDefaultDomain(ref.domain)) throw new UnauthorizedError(AUTH_FAILED);
    const user = await this.parts.users.lookup({ id: ref.id as string | undefined, name: ref.name as string | undefined });
    const given = String(ref.name ?? ref.id);
    const account: LoginAccount = user
      ? { key: `user:${user.id}`, log: { user: user.name, user_id: user.id, method: 'password' } }
      : { key: `user:${given}`, log: { user: given, method: 'password' } };
    await proveSecret(this.deps.throttle, account, from, ref.password as string, user?.password_hash ?? null);
    return { user: user as UserRecord, methods: ['password'], fixedProject: null, credential: null, parent: null };
  }

  private async byToken(token: Doc): Promise<Who> {
    const parent = this.validate(token.id as string);
    const user = await this.parts.users.lookup({ id: parent.sub });
    if (!user) throw new UnauthorizedError(AUTH_FAILED);
    const credential = parent.acid ? await this.parts.credentials.lookup({ id: parent.acid }, null) : null;
    if (parent.acid && !credential) throw new UnauthorizedError(AUTH_FAILED);
    // A token from a credential, or limited to a client, cannot be widened by re-scoping it.
    const fixedProject = parent.acid || parent.cid ? parent.project : null;
    const methods = [...new Set(['token', ...parent.methods])];
    return { user, methods, fixedProject, credential, parent };
  }

  private async byCredential(ref: Doc, from: LoginSource): Promise<Who> {
    const owner = isObject(ref.user) ? ref.user : null;
    if (owner && !inDefaultDomain(owner.domain)) throw new UnauthorizedError(AUTH_FAILED);
    const ownerUser = owner ? await this.parts.users.lookup({ id: owner.id as string | undefined, name: owner.name as string | undefined }) : null;
    const credential = await this.parts.credentials.lookup({ id: ref.id as string | undefined, name: ref.name as string | undefined }, ownerUser?.id ?? null);
    const given = String(ref.id ?? ref.name);
    const account: LoginAccount = credential
      ? { key: `credential:${credential.id}`, log: { credential: credential.id, user_id: credential.user_id, method: 'application_credential' } }
      : { key: `credential:${given}`, log: { credential: given, method: 'application_credential' } };
    await proveSecret(this.deps.throttle, account, from, ref.secret as string, credential?.secret_hash ?? null);
    const c = credential as CredentialRecord;
    if (c.expires_at !== null && Date.parse(c.expires_at) <= this.deps.now()) throw new UnauthorizedError(AUTH_FAILED);
    const user = await this.parts.users.lookup({ id: c.user_id });
    if (!user) throw new UnauthorizedError(AUTH_FAILED);
    return { user, methods: ['application_credential'], fixedProject: c.project_id, credential: c, parent: null };
  }

  // ------------------------------------------------------------------ scope and issue

  private async scopeOf(scope: unknown, who: Who): Promise<ProjectRecord | null> {
    let wanted: ProjectRecord | null = null;
    if (isObject(scope) && isObject(scope.project)) {
      const ref = scope.project;
      if (!inDefaultDomain(ref.domain)) throw new UnauthorizedError(AUTH_FAILED);
      const found =
        ref.id !== undefined ? await this.projectOrNull(ref.id as string) : await this.parts.projects.getByName(String(ref.name));
      if (!found) throw new UnauthorizedError(AUTH_FAILED);
      wanted = found;
    } else if (isObject(scope) && Object.keys(scope).length > 0) {
      throw new UnauthorizedError('Only project scope is supported.');
    } else if (scope !== 'unscoped') {
      const implied = who.fixedProject ?? who.parent?.project ?? who.user.default_project_id;
      wanted = implied ? await this.projectOrNull(implied) : null;
      if (implied && !wanted && who.fixedProject) throw new UnauthorizedError(AUTH_FAILED);
    }
    if (who.fixedProject !== null && wanted?.id !== who.fixedProject) throw new ForbiddenError();
    if (wanted && !wanted.enabled) throw new UnauthorizedError(AUTH_FAILED);
    return wanted;
  }

  private async projectOrNull(id: string): Promise<ProjectRecord | null> {
    return this.parts.projects.get(id).catch(() => null);
  }

  private async issue(who: Who, project: ProjectRecord | null): Promise<IssuedToken> {
    const issuer = this.parts.issuer;
    if (!issuer) throw new ForbiddenError();
    let roles: string[] = [];
    if (project) {
      let ids = this.parts.users.roleIds(who.user, project.id);
      if (who.credential) ids = who.credential.role_ids.filter((id) => ids.includes(id));
      roles = await this.parts.roles.namesOf(ids);
      // No role on the project, no token for it (Keystone answers 401 too).
      if (roles.length === 0) throw new UnauthorizedError(AUTH_FAILED);
    }
    const cid = who.credential?.client_id ?? who.parent?.cid ?? undefined;
    // A derived token never outlives its parent token or its credential.
    const caps = [who.parent?.exp, who.credential?.expires_at ? Math.floor(Date.parse(who.credential.expires_at) / 1000) : undefined];
    const expiresAt = Math.min(...caps.filter((c): c is number => c !== undefined));
    return issuer.issue({
      sub: who.user.id,
      name: who.user.name,
      project: project?.id ?? null,
      project_name: project?.name ?? null,
      roles,
      methods: who.methods,
      ...(cid ? { cid } : {}),
      ...(who.credential ? { acid: who.credential.id } : {}),
      // A derived token stays in its parent's audit chain, so logging out any of them ends all.
      ...(who.parent ? { ach: chainOf(who.parent) } : {}),
      ...(Number.isFinite(expiresAt) ? { expiresAt } : {}),
    });
  }
}

/** Permafrost has one domain; a request naming another one names nothing we have. */
function inDefaultDomain(domain: unknown): boolean {
  if (!isObject(domain)) return true;
  if (domain.id !== undefined) return domain.id === 'default';
  return domain.name === undefined || domain.name === 'Default';
}
