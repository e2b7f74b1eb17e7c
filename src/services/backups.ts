import { BadRequestError, NoSuchDocumentError } from '../errors';
import type { ListQuery, Scope } from '../store/types';
import { bodyObject, newId, projectOf } from './common';
import type { ServiceDeps } from './deps';

/** Backup metadata documents: free-form, stored verbatim under `backup_metadata`. */
export class BackupsService {
  constructor(private readonly deps: ServiceDeps) {}

  private get repo() {
    return this.deps.store.repo('backups');
  }

  async create(scope: Scope, userName: string | null, body: unknown): Promise<{ backup_id: string }> {
    const metadata = bodyObject(body, 'Missing request body');
    // Only presence and non-emptiness are checked, as in the reference (spec A.3.3).
    for (const k of ['container', 'hostname', 'backup_name']) {
      if (metadata[k] === undefined || metadata[k] === null || metadata[k] === '') throw new BadRequestError('Bad Data Format');
    }
    const id = newId();
    const doc = { project_id: projectOf(scope), backup_id: id, user_id: scope.userId, user_name: userName, backup_metadata: metadata };
    await this.repo.insert(scope, { id, key: id, doc });
    return { backup_id: id };
  }

  async getJson(scope: Scope, id: string): Promise<string> {
    const json = await this.repo.getJson(scope, id);
    if (json === null) throw new NoSuchDocumentError();
    return json;
  }

  listJson(scope: Scope, query: ListQuery): Promise<string[]> {
    return this.repo.listJson(scope, query);
  }

  delete(scope: Scope, id: string): Promise<boolean> {
    return this.repo.delete(scope, id);
  }
}
