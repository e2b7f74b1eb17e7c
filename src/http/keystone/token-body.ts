import type { TokenClaims } from '../../auth/tokens';
import { DEFAULT_DOMAIN } from '../../services/identity';

export interface CatalogUrls {
  /** This server's Keystone v3 subset. */
  identity: string;
  /** The Freezer API clients should use (the `backup` service type). */
  backup: string;
}

/**
 * The Keystone v3 token body (POST and GET /v3/auth/tokens), built from the token's own claims:
 * what keystoneauth1 reads (user, project, roles, expiry, catalog) is all there.
 */
export function tokenBody(claims: TokenClaims, roleIds: Map<string, string>, urls: CatalogUrls | null) {
  const iso = (s: number) => new Date(s * 1000).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
  return {
    token: {
      methods: claims.methods,
      user: { id: claims.sub, name: claims.name, domain: { ...DEFAULT_DOMAIN }, password_expires_at: null },
      // Keystone's: the token's own audit id, then its chain's (the first token of the login).
      audit_ids: claims.ach !== undefined && claims.ach !== claims.jti ? [claims.jti, claims.ach] : [claims.jti],
      issued_at: iso(claims.iat),
      expires_at: iso(claims.exp),
      ...(claims.project
        ? {
            project: { id: claims.project, name: claims.project_name ?? claims.project, domain: { ...DEFAULT_DOMAIN } },
            is_domain: false,
            roles: claims.roles.map((name) => ({ id: roleIds.get(name) ?? name, name })),
          }
        : {}),
      ...(claims.acid ? { application_credential: { id: claims.acid, restricted: true } } : {}),
      ...(urls ? { catalog: catalog(urls) } : {}),
    },
  };
}

function catalog(urls: CatalogUrls) {
  const endpoints = (id: string, url: string) =>
    (['public', 'internal', 'admin'] as const).map((i) => ({ id: `${id}-${i}`, interface: i, region: 'RegionOne', region_id: 'RegionOne', url }));
  return [
    { type: 'identity', name: 'keystone', id: 'identity', endpoints: endpoints('identity', urls.identity) },
    { type: 'backup', name: 'freezer', id: 'backup', endpoints: endpoints('backup', urls.backup) },
  ];
}
