import { ForbiddenError } from '../errors';
import type { Scope } from './types';

/**
 * How engines apply Scope.projects (v1 requests in jwt and keystone modes): a document stored
 * under project P is visible only when P is readable, and changed only when P is writable. v1's
 * own documents are stored without a project (`''`) and stay reachable by their user.
 */

/** The project column values a v1 scope may read (`''` for v1's own documents); null: any. */
export function readableProjects(scope: Scope): string[] | null {
  if (scope.projectId !== null || !scope.projects) return null;
  return ['', ...scope.projects.read];
}

/** 403 when the scope may see but not change documents of `project` (the stored column value). */
export function assertWritable(scope: Scope, project: string): void {
  if (scope.projectId !== null || !scope.projects || project === '') return;
  if (!scope.projects.write.includes(project)) throw new ForbiddenError();
}
