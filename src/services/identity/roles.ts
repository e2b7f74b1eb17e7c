import { ConflictError, NotFoundError } from '../../errors';
import { DuplicateError, type Doc } from '../../store/types';
import { bodyObject, newId } from '../common';
import type { IdentityDeps } from './identity-deps';
import { duplicateName } from './projects';
import { BUILTIN_ROLES, type RoleRecord } from './records';

/** Roles: admin, member and reader always exist; operators may add their own for policy rules. */
export class RolesService {
  constructor(private readonly deps: IdentityDeps) {}

  private get registry() {
    return this.deps.store.registry('roles');
  }

  /** Creates the built-in roles that are missing (idempotent; safe with concurrent starts). */
  async ensureBuiltins(): Promise<void> {
    for (const name of BUILTIN_ROLES) {
      if (await this.registry.get(name)) continue;
      try {
        await this.registry.insert({ id: name, name, description: null });
      } catch (err) {
        if (!(err instanceof DuplicateError)) throw err;
      }
    }
  }

  async create(input: unknown): Promise<RoleRecord> {
    const body = bodyObject(input, "Invalid input for field 'role': None is not of type 'object'");
    this.deps.validator.assertKeystone('keystone_role', body);
    const role: RoleRecord = { id: newId(), name: body.name as string, description: (body.description as string | null) ?? null };
    try {
      await this.registry.insert(role as unknown as Doc);
    } catch (err) {
      if (err instanceof DuplicateError) throw duplicateName('role', role.name);
      throw err;
    }
    return role;
  }

  async get(id: string): Promise<RoleRecord> {
    const role = (await this.registry.get(id)) as RoleRecord | null;
    if (!role) throw new NotFoundError(`Could not find role: ${id}.`);
    return role;
  }

  /** By id, or else by name. */
  async find(idOrName: string): Promise<RoleRecord> {
    const role = ((await this.registry.get(idOrName)) ?? (await this.registry.getByName(idOrName))) as RoleRecord | null;
    if (!role) throw new NotFoundError(`Could not find role: ${idOrName}.`);
    return role;
  }

  async list(filter: { name?: string } = {}): Promise<RoleRecord[]> {
    if (filter.name !== undefined) {
      const one = (await this.registry.getByName(filter.name)) as RoleRecord | null;
      return one ? [one] : [];
    }
    return (await this.registry.list()) as unknown as RoleRecord[];
  }

  /** Names of the given role ids, skipping ids of roles deleted since they were assigned. */
  async namesOf(ids: string[]): Promise<string[]> {
    const names: string[] = [];
    for (const id of ids) {
      const role = (await this.registry.get(id)) as RoleRecord | null;
      if (role) names.push(role.name);
    }
    return names;
  }

  async delete(id: string): Promise<void> {
    if ((BUILTIN_ROLES as readonly string[]).includes(id)) throw new ConflictError(`Role ${id} is built in and cannot be deleted.`);
    if (!(await this.registry.delete(id))) throw new NotFoundError(`Could not find role: ${id}.`);
  }
}
