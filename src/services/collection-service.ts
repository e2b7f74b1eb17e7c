import { NoSuchDocumentError } from '../errors';
import type { CollectionName, Doc, ListQuery, Repository, Scope } from '../store/types';
import type { ServiceDeps } from './deps';

/** What every collection offers the API: create, one document, a page, delete. */
export abstract class CollectionService {
  constructor(
    protected readonly deps: ServiceDeps,
    private readonly collection: CollectionName,
  ) {}

  protected get repo(): Repository {
    return this.deps.store.repo(this.collection);
  }

  /** `userName` is the caller's display name (backups record it). Answers the id document. */
  abstract create(scope: Scope, body: unknown, userName: string | null): Promise<Record<string, string>>;

  /** One document as the API returns it; the reference's empty-body 404 when not in scope. */
  async getJson(scope: Scope, key: string): Promise<string> {
    const json = await this.repo.getJson(scope, key);
    if (json === null) throw new NoSuchDocumentError();
    return json;
  }

  async get(scope: Scope, key: string): Promise<Doc> {
    const found = await this.repo.get(scope, key);
    if (!found) throw new NoSuchDocumentError();
    return found.doc;
  }

  async exists(scope: Scope, key: string): Promise<boolean> {
    return (await this.repo.get(scope, key)) !== null;
  }

  listJson(scope: Scope, query: ListQuery): Promise<string[]> {
    return this.repo.listJson(scope, query);
  }

  delete(scope: Scope, key: string): Promise<boolean> {
    return this.repo.delete(scope, key);
  }
}
