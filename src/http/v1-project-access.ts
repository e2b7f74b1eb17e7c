import type { Identity } from '../auth/identity';
import type { Policy } from '../auth/policy';
import type { ProjectAccess } from '../store/types';

/** The caller's role names on every project it has roles on (jwt: from the identity store). */
export type ProjectRoles = (userId: string) => Promise<ReadonlyMap<string, string[]>>;

/**
 * v1 is user-scoped: one token reaches the user's documents of every project. The role and
 * client checks of v2 must then hold for the project each document belongs to, so a v1 request
 * gets the projects whose documents it may read (the collection's read rule) and change (the
 * route's rule), judged with the caller's roles there:
 *  - jwt: the token's roles on its own project, the identity store's roles on the others;
 *  - keystone: roles on other projects cannot be known, so only the token's project;
 *  - tokens limited to a client or issued for an application credential: only the token's
 *    project, whatever the user holds elsewhere (their limits would not hold there);
 *  - noauth (identity headers trusted as sent): null, every project, as in the reference.
 * Documents v1 itself creates have no project and stay reachable by their user.
 */
export async function v1ProjectAccess(
  identity: Identity,
  rule: string,
  mode: string,
  policy: Policy,
  projectRoles: ProjectRoles | null,
): Promise<ProjectAccess | null> {
  if (mode === 'noauth') return null;
  const own = identity.projectId;
  const candidates = new Map<string, string[]>();
  if (!identity.clientId && !identity.appCredentialId && projectRoles) {
    for (const [project, roles] of await projectRoles(identity.userId)) candidates.set(project, roles);
  }
  if (own !== null) candidates.set(own, identity.roles);
  const read: string[] = [];
  const write: string[] = [];
  const readRule = rule.endsWith(':get_all') ? rule : `${rule.split(':')[0]}:get`;
  for (const [project, roles] of candidates) {
    const asThere: Identity = { ...identity, projectId: project, roles };
    const target = { projectId: project, userId: identity.userId };
    if (!policy.allows(readRule, asThere, target)) continue;
    read.push(project);
    if (policy.allows(rule, asThere, target)) write.push(project);
  }
  return { read, write };
}
