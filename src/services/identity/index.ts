import type { TokenIssuer, TokenVerifier } from '../../auth/tokens';
import { ForbiddenError, NotFoundError } from '../../errors';
import { CredentialsService, type CredentialOwner } from './credentials';
import type { IdentityDeps } from './identity-deps';
import { ProjectsService } from './projects';
import type { UserRecord } from './records';
import { RolesService } from './roles';
import { TokenService } from './token-service';
import { UsersService } from './users';

export { DEFAULT_DOMAIN, type CredentialRecord, type ProjectRecord, type RoleRecord, type UserRecord } from './records';
export { RevocationsService } from './revocations';
export type { IdentityDeps } from './identity-deps';

/** The identity side of Permafrost: what /v3 and the `permafrost` admin subcommands call. */
export class IdentityServices {
  readonly projects: ProjectsService;
  readonly users: UsersService;
  readonly roles: RolesService;
  readonly credentials: CredentialsService;
  readonly tokens: TokenService;
  /** False on a verify-only replica (public key only): it checks tokens but cannot issue them. */
  readonly canIssue: boolean;

  constructor(
    readonly deps: IdentityDeps,
    keys: { issuer: TokenIssuer | null; verifier: TokenVerifier },
  ) {
    this.canIssue = keys.issuer !== null;
    this.users = new UsersService(deps);
    this.projects = new ProjectsService(deps, this.users);
    this.roles = new RolesService(deps);
    this.credentials = new CredentialsService(deps);
    this.tokens = new TokenService(deps, {
      users: this.users,
      projects: this.projects,
      roles: this.roles,
      credentials: this.credentials,
      issuer: keys.issuer,
      verifier: keys.verifier,
    });
  }

  /** PUT /v3/projects/{p}/users/{u}/roles/{r}: all three must exist. */
  async grant(projectId: string, userId: string, roleId: string): Promise<void> {
    await this.projects.get(projectId);
    await this.users.get(userId);
    await this.roles.get(roleId);
    await this.users.grant(projectId, userId, roleId);
  }

  async hasRole(projectId: string, userId: string, roleId: string): Promise<boolean> {
    const user = await this.users.get(userId);
    return this.users.roleIds(user, projectId).includes(roleId);
  }

  async rolesOf(projectId: string, userId: string) {
    await this.projects.get(projectId);
    const user = await this.users.get(userId);
    const ids = this.users.roleIds(user, projectId);
    return (await this.roles.list()).filter((r) => ids.includes(r.id));
  }

  /** Projects the user has a role on (GET /v3/users/{id}/projects, /v3/auth/projects). */
  async projectsOf(userId: string) {
    const user = await this.users.get(userId);
    const out = [];
    for (const projectId of Object.keys(user.roles)) {
      const project = await this.projects.get(projectId).catch(() => null);
      if (project) out.push(project);
    }
    return out;
  }

  async deleteRole(roleId: string): Promise<void> {
    await this.roles.delete(roleId);
    await this.users.dropRole(roleId);
  }

  /**
   * Like Keystone: a token that came from an application credential (directly or through the
   * token method) may create or delete application credentials only when that credential is
   * `unrestricted`; otherwise a stolen narrow credential would mint itself a broader one.
   */
  async assertMayManageCredentials(appCredentialId: string | undefined): Promise<void> {
    if (appCredentialId === undefined) return;
    const credential = await this.credentials.lookup({ id: appCredentialId }, null);
    if (!credential?.unrestricted) throw new ForbiddenError();
  }

  /**
   * The owner of a new application credential: the user, on their token's project, with the roles
   * they hold there now and, when it comes from a token, that the token carries too (`tokenRoles`,
   * by name): a token from a reader-only credential can never mint a member one. Null: no token
   * (an operator at the shell), the user's roles.
   */
  async credentialOwner(user: UserRecord, projectId: string | null, clientId: string | null, tokenRoles: readonly string[] | null = null): Promise<CredentialOwner> {
    if (!projectId) throw new NotFoundError('An application credential needs a project-scoped token.');
    const ids = this.users.roleIds(user, projectId);
    const roles = (await this.roles.list()).filter((r) => ids.includes(r.id) && (tokenRoles === null || tokenRoles.includes(r.name)));
    return { user, projectId, roles, clientId };
  }
}
