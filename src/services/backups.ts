import { BadRequestError } from '../errors';
import type { Scope } from '../store/types';
import { CollectionService } from './collection-service';
import { bodyObject, newId } from './common';
import type { ServiceDeps } from './deps';

/** Backup metadata documents: free-form, stored verbatim under `backup_metadata`. */
export class BackupsService extends CollectionService {
  constructor(deps: ServiceDeps) {
    super(deps, 'backups');
  }

  async create(scope: Scope, body: unknown, userName: string | null): Promise<{ backup_id: string }> {
    const metadata = bodyObject(body, 'Missing request body');
    // Only presence and non-emptiness are checked, as in the reference (spec A.3.3).
    for (const k of ['container', 'hostname', 'backup_name']) {
      if (metadata[k] === undefined || metadata[k] === null || metadata[k] === '') throw new BadRequestError('Bad Data Format');
    }
    const id = newId();
    const doc = { project_id: scope.projectId, backup_id: id, user_id: scope.userId, user_name: userName, backup_metadata: metadata };
    await this.repo.insert(scope, { id, key: id, doc });
    return { backup_id: id };
  }

}
