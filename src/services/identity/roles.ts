import { ConflictError } from '../../errors';
import { bodyObject, newId } from '../common';
import type { IdentityDeps } from './identity-deps';
import { NamedRecords } from './named-records';
import { BUILTIN_ROLES, type RoleRecord } from './records';

/** Roles: admin, member and reader always exist; operators may add their own for policy rules. */
export class RolesService {
  private readonly records: NamedRecords<RoleRecord>;

  constructor(private readonly deps: IdentityDeps) {
    this.records = new NamedRecords(deps.store, 'roles', 'role');
  }

  /** Creates the built-in roles that are missing (idempotent; safe with concurrent starts). */
  async ensureBuiltins(): Promise<void> {
    for (const name of BUILTIN_ROLES) {
      if (await this.records.getOrNull(name)) continue;
      await this.records.insert({ id: name, name, description: null }).catch((err: unknown) => {
        if (!(err instanceof ConflictError)) throw err;
      });
    }
  }

  async create(input: unknown): Promise<RoleRecord> {
    const body = bodyObject(input, "Invalid input for field 'role': None is not of type 'object'");
    this.deps.validator.assertKeystone('keystone_role', body);
    const role: RoleRecord = { id: newId(), name: body.name as string, description: (body.description as string | null) ?? null };
    await this.records.insert(role);
    return role;
  }

  get(id: string): Promise<RoleRecord> {
    return this.records.get(id);
  }

  find(idOrName: string): Promise<RoleRecord> {
    return this.records.find(idOrName);
  }

  list(filter: { name?: string } = {}): Promise<RoleRecord[]> {
    return this.records.list(filter);
  }

  /** Names of the given role ids, skipping ids of roles deleted since they were assigned. */
  async namesOf(ids: string[]): Promise<string[]> {
    const names: string[] = [];
    for (const id of ids) {
      const role = await this.records.getOrNull(id);
      if (role) names.push(role.name);
    }
    return names;
  }

  async delete(id: string): Promise<void> {
    if ((BUILTIN_ROLES as readonly string[]).includes(id)) throw new ConflictError(`Role ${id} is built in and cannot be deleted.`);
    await this.records.delete(id);
  }
}
