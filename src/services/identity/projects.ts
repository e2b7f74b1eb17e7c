import { BadRequestError, ConflictError, NotFoundError } from '../../errors';
import { DuplicateError, type Doc } from '../../store/types';
import { bodyObject, newId } from '../common';
import type { IdentityDeps } from './identity-deps';
import type { ProjectRecord } from './records';
import type { UsersService } from './users';

/** Projects (tenants): the `{project_id}` of /v2 URLs. */
export class ProjectsService {
  constructor(
    private readonly deps: IdentityDeps,
    private readonly users: UsersService,
  ) {}

  private get registry() {
    return this.deps.store.registry('projects');
  }

  async create(input: unknown): Promise<ProjectRecord> {
    const body = bodyObject(input, "Invalid input for field 'project': None is not of type 'object'");
    this.deps.validator.assertKeystone('keystone_project', body);
    if (typeof body.name !== 'string') throw new BadRequestError("Invalid input for field 'name': 'name' is a required property");
    const project: ProjectRecord = {
      id: newId(),
      name: body.name,
      description: (body.description as string | null) ?? '',
      enabled: (body.enabled as boolean | undefined) ?? true,
      tags: (body.tags as string[] | undefined) ?? [],
    };
    await this.insert(project);
    return project;
  }

  async get(id: string): Promise<ProjectRecord> {
    const project = (await this.registry.get(id)) as ProjectRecord | null;
    if (!project) throw new NotFoundError(`Could not find project: ${id}.`);
    return project;
  }

  /** By id, or else by name: what `openstack --os-project` and the CLI accept. */
  async find(idOrName: string): Promise<ProjectRecord> {
    const project = ((await this.registry.get(idOrName)) ?? (await this.registry.getByName(idOrName))) as ProjectRecord | null;
    if (!project) throw new NotFoundError(`Could not find project: ${idOrName}.`);
    return project;
  }

  async getByName(name: string): Promise<ProjectRecord | null> {
    return (await this.registry.getByName(name)) as ProjectRecord | null;
  }

  async list(filter: { name?: string } = {}): Promise<ProjectRecord[]> {
    if (filter.name !== undefined) {
      const one = await this.getByName(filter.name);
      return one ? [one] : [];
    }
    return (await this.registry.list()) as unknown as ProjectRecord[];
  }

  async update(id: string, input: unknown): Promise<ProjectRecord> {
    const body = bodyObject(input, "Invalid input for field 'project': None is not of type 'object'");
    this.deps.validator.assertKeystone('keystone_project', body);
    const changes: Partial<ProjectRecord> = {};
    for (const key of ['name', 'description', 'enabled', 'tags'] as const) {
      if (body[key] !== undefined) (changes as Doc)[key] = key === 'description' ? (body[key] ?? '') : body[key];
    }
    const updated = await this.rename(id, (doc) => ({ ...doc, ...changes }));
    if (changes.enabled === false) await this.deps.revocations.revoke('project', id);
    return updated;
  }

  async delete(id: string): Promise<void> {
    if (!(await this.registry.delete(id))) throw new NotFoundError(`Could not find project: ${id}.`);
    // Tokens scoped to it stop working, and its role assignments go with it.
    await this.deps.revocations.revoke('project', id);
    await this.users.dropProject(id);
  }

  private async insert(project: ProjectRecord): Promise<void> {
    try {
      await this.registry.insert(project as unknown as Doc);
    } catch (err) {
      if (err instanceof DuplicateError) throw duplicateName('project', project.name);
      throw err;
    }
  }

  private async rename(id: string, mutate: (doc: Doc) => Doc): Promise<ProjectRecord> {
    try {
      const doc = await this.registry.update(id, mutate);
      if (!doc) throw new NotFoundError(`Could not find project: ${id}.`);
      return doc as unknown as ProjectRecord;
    } catch (err) {
      if (err instanceof DuplicateError) throw duplicateName('project', 'that name');
      throw err;
    }
  }
}

export function duplicateName(kind: string, name: string): ConflictError {
  return new ConflictError(`Conflict occurred attempting to store ${kind} - Duplicate entry found with name ${name}.`);
}
