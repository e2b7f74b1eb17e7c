import type { Identity } from '../../auth/identity';
import type { LoginSource } from '../../auth/login-throttle';
import { hashSecret } from '../../auth/passwords';
import { BadRequestError, NotFoundError, UnauthorizedError } from '../../errors';
import { bodyObject, newId } from '../common';
import type { IdentityDeps } from './identity-deps';
import { NamedRecords } from './named-records';
import { AUTH_FAILED, proveSecret } from './prove-secret';
import type { UserRecord } from './records';

/** Users and their role assignments (project -> roles), kept on the user record. */
export class UsersService {
  private readonly records: NamedRecords<UserRecord>;

  constructor(private readonly deps: IdentityDeps) {
    this.records = new NamedRecords(deps.store, 'users', 'user');
  }

  async create(input: unknown): Promise<UserRecord> {
    const body = bodyObject(input, "Invalid input for field 'user': None is not of type 'object'");
    this.deps.validator.assertKeystone('keystone_user', body);
    if (typeof body.name !== 'string') throw new BadRequestError("Invalid input for field 'name': 'name' is a required property");
    const user: UserRecord = {
      id: newId(),
      name: body.name,
      description: (body.description as string | null) ?? null,
      email: (body.email as string | null) ?? null,
      enabled: (body.enabled as boolean | undefined) ?? true,
      default_project_id: (body.default_project_id as string | null) ?? null,
      password_hash: typeof body.password === 'string' ? await hashSecret(body.password) : null,
      roles: {},
    };
    await this.records.insert(user);
    return user;
  }

  get(id: string): Promise<UserRecord> {
    return this.records.get(id);
  }

  find(idOrName: string): Promise<UserRecord> {
    return this.records.find(idOrName);
  }

  /** The user an auth request names (by id first), or null. */
  async lookup(ref: { id?: string; name?: string }): Promise<UserRecord | null> {
    if (ref.id !== undefined) {
      const byId = await this.records.getOrNull(ref.id);
      if (byId || ref.name === undefined) return byId;
    }
    return ref.name !== undefined ? this.records.byName(ref.name) : null;
  }

  list(filter: { name?: string } = {}): Promise<UserRecord[]> {
    return this.records.list(filter);
  }

  async count(): Promise<number> {
    return (await this.records.list()).length;
  }

  async update(id: string, input: unknown): Promise<UserRecord> {
    const body = bodyObject(input, "Invalid input for field 'user': None is not of type 'object'");
    this.deps.validator.assertKeystone('keystone_user', body);
    const changes: Partial<UserRecord> = {};
    for (const key of ['name', 'description', 'email', 'enabled', 'default_project_id'] as const) {
      if (body[key] !== undefined) (changes as Record<string, unknown>)[key] = body[key];
    }
    if (body.password !== undefined) changes.password_hash = typeof body.password === 'string' ? await hashSecret(body.password) : null;
    const user = await this.records.update(id, (u) => ({ ...u, ...changes }));
    // Like Keystone: a disabled user or a new password ends every session of the user.
    if (changes.enabled === false || changes.password_hash !== undefined) await this.deps.revocations.revoke('sub', id);
    return user;
  }

  /**
   * POST /v3/users/{id}/password: the user changes their own password, proving the old one. It is
   * a door to guess passwords at, so it is throttled on the same counter as logins, and only a
   * session that began with the password may use it (not an application credential, nor a token
   * derived from one). Every refusal is the same 401.
   */
  async changePassword(id: string, input: unknown, caller: Identity, from: LoginSource): Promise<void> {
    const body = bodyObject(input, "Invalid input for field 'user': None is not of type 'object'");
    this.deps.validator.assertKeystone('keystone_password_change', body);
    const byPassword = caller.methods?.includes('password') === true && caller.appCredentialId === undefined;
    if (caller.userId !== id || !byPassword || caller.clientId) throw new UnauthorizedError(AUTH_FAILED);
    const user = await this.records.getOrNull(id);
    if (!user) throw new UnauthorizedError(AUTH_FAILED);
    const account = { key: `user:${user.id}`, log: { user: user.name, user_id: user.id, method: 'password_change' } };
    await proveSecret(this.deps.throttle, account, from, body.original_password as string, user.password_hash);
    const hash = await hashSecret(body.password as string);
    await this.records.update(id, (u) => ({ ...u, password_hash: hash }));
    await this.deps.revocations.revoke('sub', id);
  }

  async delete(id: string): Promise<void> {
    await this.records.delete(id);
    await this.deps.revocations.revoke('sub', id);
  }

  // ------------------------------------------------------------------ role assignments

  async grant(projectId: string, userId: string, roleId: string): Promise<void> {
    await this.records.update(userId, (u) => {
      const current = u.roles[projectId] ?? [];
      return current.includes(roleId) ? null : { ...u, roles: { ...u.roles, [projectId]: [...current, roleId] } };
    });
  }

  /** Removes an assignment; tokens the user holds for that project stop working. */
  async revoke(projectId: string, userId: string, roleId: string): Promise<void> {
    let had = false;
    await this.records.update(userId, (u) => {
      const roles = { ...u.roles };
      const current = roles[projectId] ?? [];
      had = current.includes(roleId);
      if (!had) return null;
      roles[projectId] = current.filter((r) => r !== roleId);
      if (roles[projectId].length === 0) delete roles[projectId];
      return { ...u, roles };
    });
    if (!had) throw new NotFoundError(`Could not find role assignment with role: ${roleId}, user or group: ${userId}, project, domain, or system: ${projectId}.`);
    await this.deps.revocations.revoke('sub', userId);
  }

  /** Role ids of the user on the project ([] when none). */
  roleIds(user: UserRecord, projectId: string): string[] {
    return user.roles[projectId] ?? [];
  }

  /** Every (project, role) assignment, optionally of one user and/or project. */
  async assignments(filter: { userId?: string; projectId?: string; roleId?: string }): Promise<Array<{ userId: string; projectId: string; roleId: string }>> {
    const users = filter.userId ? [await this.get(filter.userId)] : await this.list();
    const out: Array<{ userId: string; projectId: string; roleId: string }> = [];
    for (const user of users) {
      for (const [projectId, roleIds] of Object.entries(user.roles)) {
        if (filter.projectId && projectId !== filter.projectId) continue;
        for (const roleId of roleIds) if (!filter.roleId || roleId === filter.roleId) out.push({ userId: user.id, projectId, roleId });
      }
    }
    return out;
  }

  /** After a project is deleted: its assignments go (a later project never inherits them). */
  async dropProject(projectId: string): Promise<void> {
    for (const user of await this.list()) {
      if (!user.roles[projectId]) continue;
      await this.records
        .update(user.id, (u) => {
          const roles = { ...u.roles };
          delete roles[projectId];
          return { ...u, roles };
        })
        .catch(ignoreGone);
    }
  }

  /** After a role is deleted: its assignments go, and tokens carrying it stop working. */
  async dropRole(roleId: string): Promise<void> {
    for (const user of await this.list()) {
      if (!Object.values(user.roles).some((ids) => ids.includes(roleId))) continue;
      await this.records
        .update(user.id, (u) => {
          const roles: UserRecord['roles'] = {};
          for (const [p, ids] of Object.entries(u.roles)) {
            const kept = ids.filter((r) => r !== roleId);
            if (kept.length > 0) roles[p] = kept;
          }
          return { ...u, roles };
        })
        .catch(ignoreGone);
      await this.deps.revocations.revoke('sub', user.id);
    }
  }}

/** A user deleted meanwhile has no assignments left to clean. */
function ignoreGone(err: unknown): void {
  if (!(err instanceof NotFoundError)) throw err;
}
