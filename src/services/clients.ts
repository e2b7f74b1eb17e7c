import { ConflictError, NoSuchDocumentError } from '../errors';
import { DuplicateError, type ListQuery, type Scope } from '../store/types';
import { bodyObject, newId, projectOf } from './common';
import type { ServiceDeps } from './deps';

/** Registered clients (scheduler agents), looked up by client_id inside the caller's scope. */
export class ClientsService {
  constructor(private readonly deps: ServiceDeps) {}

  private get repo() {
    return this.deps.store.repo('clients');
  }

  async create(scope: Scope, body: unknown): Promise<{ client_id: string }> {
    const input = bodyObject(body, 'Missing request body');
    this.deps.validator.assert('client', { ...input, user_id: scope.userId });
    const clientId = input.client_id as string;
    const uuid = typeof input.uuid === 'string' && input.uuid !== '' ? input.uuid : newId();
    const doc = {
      project_id: projectOf(scope),
      user_id: scope.userId,
      // A missing hostname is stored as "" (the reference fails on its NOT NULL column).
      client: { uuid, hostname: input.hostname ?? '', client_id: clientId, description: input.description ?? null },
    };
    try {
      await this.repo.insert(scope, { id: uuid, key: clientId, doc });
    } catch (err) {
      if (!(err instanceof DuplicateError)) throw err;
      throw new ConflictError(
        err.which === 'key' ? `Client already registered with ID ${clientId}` : `Client already registered with UUID ${uuid}`,
      );
    }
    return { client_id: clientId };
  }

  async getJson(scope: Scope, clientId: string): Promise<string> {
    const json = await this.repo.getJson(scope, clientId);
    if (json === null) throw new NoSuchDocumentError();
    return json;
  }

  listJson(scope: Scope, query: ListQuery): Promise<string[]> {
    return this.repo.listJson(scope, query);
  }

  delete(scope: Scope, clientId: string): Promise<boolean> {
    return this.repo.delete(scope, clientId);
  }
}
