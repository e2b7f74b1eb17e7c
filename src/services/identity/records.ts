/**
 * Identity records as stored in the registries (see REGISTRY_KEYS in store/types.ts). Only the
 * presenters in http/keystone decide what of them reaches a response: hashes never do.
 */

/** Permafrost has one domain, Keystone's `default`, so domain-aware clients keep working. */
export const DEFAULT_DOMAIN = { id: 'default', name: 'Default' } as const;

export interface ProjectRecord {
  id: string;
  name: string;
  description: string;
  enabled: boolean;
  tags: string[];
}

export interface UserRecord {
  id: string;
  name: string;
  description: string | null;
  email: string | null;
  enabled: boolean;
  default_project_id: string | null;
  /** scrypt hash (auth/passwords.ts); null: the user cannot log in with a password. */
  password_hash: string | null;
  /** Role assignments: project id -> role ids. */
  roles: Record<string, string[]>;
}

export interface RoleRecord {
  id: string;
  name: string;
  description: string | null;
}

/** A Keystone application credential, plus Permafrost's optional limit to one scheduler client. */
export interface CredentialRecord {
  id: string;
  name: string;
  user_id: string;
  project_id: string;
  description: string | null;
  /** ISO 8601, or null for no expiry. */
  expires_at: string | null;
  role_ids: string[];
  unrestricted: boolean;
  client_id: string | null;
  secret_hash: string;
}

/**
 * A revocation event (Keystone's model): tokens matching `field` = `value` issued at or before
 * `issued_before` (ms) are refused. Kept until every token it could match has expired anyway.
 */
export interface RevocationRecord {
  id: string;
  /** `chain`: a token's audit chain (chainOf in auth/tokens.ts), i.e. a login and every token derived from it. */
  field: 'jti' | 'sub' | 'project' | 'acid' | 'chain';
  value: string;
  issued_before: number;
  /** Epoch ms after which the event can be forgotten. */
  expires: number;
}

/** The roles every deployment has; their ids are their names, so policy files can rely on them. */
export const BUILTIN_ROLES = ['admin', 'member', 'reader'] as const;
