import { ForbiddenError } from '../../errors';
import { readableProjects } from '../project-access';
import type { Doc, Scope } from '../types';

/**
 * The one translation of a request's scope for runs, shared by both engines: the user, the
 * project column values it may read (one for v2; v1: its own '' plus its readable projects, or
 * any when unrestricted), and the client a limited (agent) token speaks for. Jobs get exactly
 * these rules (store/sqlite-repository.ts, store/client-limit.ts), so runs are visible to
 * exactly those who see their job.
 */
export interface RunScope {
  userId: string;
  /** null: any project of the user (v1 without project access limits). */
  projects: string[] | null;
  clientId: string | null;
}

export function runScope(scope: Scope): RunScope {
  return {
    userId: String(scope.userId),
    projects: scope.projectId !== null ? [String(scope.projectId)] : (readableProjects(scope)?.map(String) ?? null),
    clientId: scope.clientId ? String(scope.clientId) : null,
  };
}

/** The stored project column of a new run: '' for v1 documents, as for every collection. */
export function projectColumn(scope: Scope): string {
  return scope.projectId === null ? '' : String(scope.projectId);
}

/** A client-limited token files runs for its own client only. */
export function assertOwnClient(scope: Scope, doc: Doc): void {
  if (scope.clientId && doc.client_id !== scope.clientId) {
    throw new ForbiddenError(`This token is limited to client '${scope.clientId}': it cannot write runs of another client`);
  }
}
