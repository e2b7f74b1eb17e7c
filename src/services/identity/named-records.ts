import { ConflictError, NotFoundError } from '../../errors';
import { DuplicateError, type Doc, type RegistryName, type Store } from '../../store/types';

/**
 * The reads and writes every named identity registry (projects, users, roles) shares, with
 * Keystone's error wording: `Could not find <kind>: <id>.` and a 409 for a name in use.
 */
export class NamedRecords<T extends { id: string; name: string }> {
  constructor(
    private readonly store: Store,
    private readonly registryName: RegistryName,
    private readonly kind: string,
  ) {}

  private get registry() {
    return this.store.registry(this.registryName);
  }

  async get(id: string): Promise<T> {
    return (await this.getOrNull(id)) ?? this.notFound(id);
  }

  async getOrNull(id: string): Promise<T | null> {
    return (await this.registry.get(id)) as T | null;
  }

  async byName(name: string): Promise<T | null> {
    return (await this.registry.getByName(name)) as T | null;
  }

  /** By id, or else by name: what `openstack --os-project` and the CLI accept. */
  async find(idOrName: string): Promise<T> {
    return (await this.getOrNull(idOrName)) ?? (await this.byName(idOrName)) ?? this.notFound(idOrName);
  }

  /** All records, or the one with that name (Keystone's `?name=` filter). */
  async list(filter: { name?: string } = {}): Promise<T[]> {
    if (filter.name === undefined) return (await this.registry.list()) as unknown as T[];
    const one = await this.byName(filter.name);
    return one ? [one] : [];
  }

  async insert(record: T): Promise<void> {
    try {
      await this.registry.insert(record as unknown as Doc);
    } catch (err) {
      throw err instanceof DuplicateError ? this.nameInUse(record.name) : err;
    }
  }

  /** Atomic read-modify-write (see Registry.update); 404 when missing, 409 on a name in use. */
  async update(id: string, mutate: (record: T) => T | null): Promise<T> {
    try {
      const doc = await this.registry.update(id, (d) => mutate(d as unknown as T) as unknown as Doc | null);
      return (doc as unknown as T | null) ?? this.notFound(id);
    } catch (err) {
      throw err instanceof DuplicateError ? this.nameInUse('that name') : err;
    }
  }

  async delete(id: string): Promise<void> {
    if (!(await this.registry.delete(id))) this.notFound(id);
  }

  private notFound(id: string): never {
    throw new NotFoundError(`Could not find ${this.kind}: ${id}.`);
  }

  private nameInUse(name: string): ConflictError {
    return new ConflictError(`Conflict occurred attempting to store ${this.kind} - Duplicate entry found with name ${name}.`);
  }
}
