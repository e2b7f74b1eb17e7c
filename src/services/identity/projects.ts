import { BadRequestError } from '../../errors';
import { bodyObject, newId } from '../common';
import type { IdentityDeps } from './identity-deps';
import { NamedRecords } from './named-records';
import type { ProjectRecord } from './records';
import type { UsersService } from './users';

/** Projects (tenants): the `{project_id}` of /v2 URLs. */
export class ProjectsService {
  readonly records: NamedRecords<ProjectRecord>;

  constructor(
    private readonly deps: IdentityDeps,
    private readonly users: UsersService,
  ) {
    this.records = new NamedRecords(deps.store, 'projects', 'project');
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
    await this.records.insert(project);
    return project;
  }

  get(id: string): Promise<ProjectRecord> {
    return this.records.get(id);
  }

  find(idOrName: string): Promise<ProjectRecord> {
    return this.records.find(idOrName);
  }

  getByName(name: string): Promise<ProjectRecord | null> {
    return this.records.byName(name);
  }

  list(filter: { name?: string } = {}): Promise<ProjectRecord[]> {
    return this.records.list(filter);
  }

  async update(id: string, input: unknown): Promise<ProjectRecord> {
    const body = bodyObject(input, "Invalid input for field 'project': None is not of type 'object'");
    this.deps.validator.assertKeystone('keystone_project', body);
    const changes: Partial<ProjectRecord> = {};
    if (typeof body.name === 'string') changes.name = body.name;
    if (body.description !== undefined) changes.description = (body.description as string | null) ?? '';
    if (typeof body.enabled === 'boolean') changes.enabled = body.enabled;
    if (Array.isArray(body.tags)) changes.tags = body.tags as string[];
    const updated = await this.records.update(id, (p) => ({ ...p, ...changes }));
    if (changes.enabled === false) await this.deps.revocations.revoke('project', id);
    return updated;
  }

  async delete(id: string): Promise<void> {
    await this.records.delete(id);
    // Tokens scoped to it stop working, and its role assignments go with it.
    await this.deps.revocations.revoke('project', id);
    await this.users.dropProject(id);
  }
}
