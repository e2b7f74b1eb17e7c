import {
  DEFAULT_DOMAIN,
  type CredentialRecord,
  type ProjectRecord,
  type RoleRecord,
  type UserRecord,
} from '../../services/identity';

/**
 * Keystone v3 response shapes. Only these functions decide what of an identity record is shown:
 * password and secret hashes never are.
 */
export function presentProject(p: ProjectRecord, origin: string) {
  return {
    id: p.id,
    name: p.name,
    description: p.description,
    enabled: p.enabled,
    domain_id: DEFAULT_DOMAIN.id,
    parent_id: DEFAULT_DOMAIN.id,
    is_domain: false,
    tags: p.tags,
    options: {},
    links: { self: `${origin}/v3/projects/${p.id}` },
  };
}

export function presentUser(u: UserRecord, origin: string) {
  return {
    id: u.id,
    name: u.name,
    domain_id: DEFAULT_DOMAIN.id,
    enabled: u.enabled,
    ...(u.description !== null ? { description: u.description } : {}),
    ...(u.email !== null ? { email: u.email } : {}),
    ...(u.default_project_id !== null ? { default_project_id: u.default_project_id } : {}),
    password_expires_at: null,
    options: {},
    links: { self: `${origin}/v3/users/${u.id}` },
  };
}

export function presentRole(r: RoleRecord, origin: string) {
  return {
    id: r.id,
    name: r.name,
    domain_id: null,
    description: r.description,
    options: {},
    links: { self: `${origin}/v3/roles/${r.id}` },
  };
}

export function presentCredential(c: CredentialRecord, roles: RoleRecord[], origin: string, secret?: string) {
  return {
    id: c.id,
    name: c.name,
    description: c.description,
    user_id: c.user_id,
    project_id: c.project_id,
    expires_at: c.expires_at,
    unrestricted: c.unrestricted,
    roles: roles.filter((r) => c.role_ids.includes(r.id)).map((r) => ({ id: r.id, name: r.name, domain_id: null })),
    access_rules: [],
    client_id: c.client_id,
    ...(secret !== undefined ? { secret } : {}),
    links: { self: `${origin}/v3/users/${c.user_id}/application_credentials/${c.id}` },
  };
}

/** A Keystone collection: `{<name>: [...], links: {...}}` (one page: these lists are small). */
export function presentList<T>(name: string, items: T[], self: string) {
  return { [name]: items, links: { self, previous: null, next: null } };
}
