import { hashSecret, verifySecret } from '../../auth/passwords';
import { BadRequestError, NotFoundError, UnauthorizedError } from '../../errors';
import { DuplicateError, type Doc } from '../../store/types';
import { bodyObject, newId } from '../common';
import type { IdentityDeps } from './identity-deps';
import { duplicateName } from './projects';
import type { UserRecord } from './records';

/** Users and their role assignments (project -> roles), kept on the user record. */
export class UsersService {
  constructor(private readonly deps: IdentityDeps) {}

  private get registry() {
    return this.deps.store.registry('users');
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
    try {
      await this.registry.insert(user as unknown as Doc);
    } catch (err) {
      if (err instanceof DuplicateError) throw duplicateName('user', user.name);
      throw err;
    }
    return user;
  }

  async get(id: string): Promise<UserRecord> {
    const user = (await this.registry.get(id)) as UserRecord | null;
    if (!user) throw new NotFoundError(`Could not find user: ${id}.`);
    return user;
  }

  /** By id, or else by name. */
  async find(idOrName: string): Promise<UserRecord> {
    const user = await this.lookup({ id: idOrName, name: idOrName });
    if (!user) throw new NotFoundError(`Could not find user: ${idOrName}.`);
    return user;
  }

  /** The user an auth request names (by id first), or null. */
  async lookup(ref: { id?: string; name?: string }): Promise<UserRecord | null> {
    if (ref.id !== undefined) {
      const byId = (await this.registry.get(ref.id)) as UserRecord | null;
      if (byId || ref.name === undefined) return byId;
    }
    return ref.name !== undefined ? ((await this.registry.getByName(ref.name)) as UserRecord | null) : null;
  }

  async list(filter: { name?: string } = {}): Promise<UserRecord[]> {
    if (filter.name !== undefined) {
      const one = (await this.registry.getByName(filter.name)) as UserRecord | null;
      return one ? [one] : [];
    }
    return (await this.registry.list()) as unknown as UserRecord[];
  }

  async count(): Promise<number> {
    return (await this.registry.list()).length;
  }

  async update(id: string, input: unknown): Promise<UserRecord> {
    const body = bodyObject(input, "Invalid input for field 'user': None is not of type 'object'");
    this.deps.validator.assertKeystone('keystone_user', body);
    const changes: Doc = {};
    for (const key of ['name', 'description', 'email', 'enabled', 'default_project_id'] as const) {
      if (body[key] !== undefined) changes[key] = body[key];
    }
    if (body.password !== undefined) changes.password_hash = typeof body.password === 'string' ? await hashSecret(body.password) : null;
    const user = await this.mutate(id, (doc) => ({ ...doc, ...changes }));
    // Like Keystone: a disabled user or a new password ends every session of the user.
    if (changes.enabled === false || changes.password_hash !== undefined) await this.deps.revocations.revoke('sub', id);
    return user;
  }

  /** POST /v3/users/{id}/password: the user changes their own password, proving the old one. */
  async changePassword(id: string, input: unknown): Promise<void> {
    const body = bodyObject(input, "Invalid input for field 'user': None is not of type 'object'");
    this.deps.validator.assertKeystone('keystone_password_change', body);
    const user = await this.get(id);
    if (!user.password_hash || !(await verifySecret(body.original_password as string, user.password_hash))) {
      throw new UnauthorizedError('The request you have made requires authentication.');
    }
    const hash = await hashSecret(body.password as string);
    await this.mutate(id, (doc) => ({ ...doc, password_hash: hash }));
    await this.deps.revocations.revoke('sub', id);
  }

  async delete(id: string): Promise<void> {
    if (!(await this.registry.delete(id))) throw new NotFoundError(`Could not find user: ${id}.`);
    await this.deps.revocations.revoke('sub', id);
  }

  // ------------------------------------------------------------------ role assignments

  async grant(projectId: string, userId: string, roleId: string): Promise<void> {
    await this.mutate(userId, (doc) => {
      const roles = { ...(doc.roles as UserRecord['roles']) };
      const current = roles[projectId] ?? [];
      if (current.includes(roleId)) return null;
      roles[projectId] = [...current, roleId];
      return { ...doc, roles };
    });
  }

  /** Removes an assignment; tokens the user holds for that project stop working. */
  async revoke(projectId: string, userId: string, roleId: string): Promise<void> {
    let had = false;
    await this.mutate(userId, (doc) => {
      const roles = { ...(doc.roles as UserRecord['roles']) };
      const current = roles[projectId] ?? [];
      had = current.includes(roleId);
      if (!had) return null;
      roles[projectId] = current.filter((r) => r !== roleId);
      if (roles[projectId].length === 0) delete roles[projectId];
      return { ...doc, roles };
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
      await this.registry.update(user.id, (doc) => {
        const roles = { ...(doc.roles as UserRecord['roles']) };
        delete roles[projectId];
        return { ...doc, roles };
      });
    }
  }

  /** After a role is deleted: its assignments go, and tokens carrying it stop working. */
  async dropRole(roleId: string): Promise<void> {
    for (const user of await this.list()) {
      if (!Object.values(user.roles).some((ids) => ids.includes(roleId))) continue;
      await this.registry.update(user.id, (doc) => {
        const roles: UserRecord['roles'] = {};
        for (const [p, ids] of Object.entries(doc.roles as UserRecord['roles'])) {
          const kept = ids.filter((r) => r !== roleId);
          if (kept.length > 0) roles[p] = kept;
        }
        return { ...doc, roles };
      });
      await this.deps.revocations.revoke('sub', user.id);
    }
  }

  private async mutate(id: string, fn: (doc: Doc) => Doc | null): Promise<UserRecord> {
    try {
      const doc = await this.registry.update(id, fn);
      if (!doc) throw new NotFoundError(`Could not find user: ${id}.`);
      return doc as unknown as UserRecord;
    } catch (err) {
      if (err instanceof DuplicateError) throw duplicateName('user', 'that name');
      throw err;
    }
  }
}
