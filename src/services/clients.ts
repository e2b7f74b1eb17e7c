import { ConflictError } from '../errors';
import { DuplicateError, type Scope } from '../store/types';
import { CollectionService } from './collection-service';
import { bodyObject, newId } from './common';
import type { ServiceDeps } from './deps';

/** Registered clients (scheduler agents), looked up by client_id inside the caller's scope. */
export class ClientsService extends CollectionService {
  constructor(deps: ServiceDeps) {
    super(deps, 'clients');
  }

  async create(scope: Scope, body: unknown): Promise<{ client_id: string }> {
    const input = bodyObject(body, 'Missing request body');
    this.deps.validator.assert('client', { ...input, user_id: scope.userId });
    const clientId = input.client_id as string;
    const uuid = typeof input.uuid === 'string' && input.uuid !== '' ? input.uuid : newId();
    const doc = {
      project_id: scope.projectId,
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

}
