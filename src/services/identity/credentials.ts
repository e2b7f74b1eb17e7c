import { randomBytes } from 'node:crypto';
import { hashSecret } from '../../auth/passwords';
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError } from '../../errors';
import { DuplicateError, type Doc } from '../../store/types';
import { bodyObject, newId } from '../common';
import type { IdentityDeps } from './identity-deps';
import type { CredentialRecord, RoleRecord, UserRecord } from './records';

/** Who is creating a credential: it is bound to their current project and can hold no more than their roles. */
export interface CredentialOwner {
  user: UserRecord;
  projectId: string;
  /** The roles the owner holds on that project now. */
  roles: RoleRecord[];
  /** A credential made with a client-limited token keeps that limit. */
  clientId: string | null;
}

/**
 * Application credentials (Keystone's): a name and a secret that log in as the user, on one
 * project, with a subset of the user's roles, until an optional expiry. The secret is shown
 * once, at creation, and stored as a scrypt hash. Permafrost adds `client_id`: tokens from the
 * credential are limited to that scheduler client (what an agent's host should hold).
 */
export class CredentialsService {
  constructor(private readonly deps: IdentityDeps) {}

  private get registry() {
    return this.deps.store.registry('credentials');
  }

  async create(owner: CredentialOwner, input: unknown): Promise<{ credential: CredentialRecord; secret: string }> {
    const body = bodyObject(input, "Invalid input for field 'application_credential': None is not of type 'object'");
    this.deps.validator.assertKeystone('keystone_app_credential', body);
    const expiresAt = parseExpiry(body.expires_at, this.deps.now());
    const secret = typeof body.secret === 'string' ? body.secret : randomBytes(32).toString('base64url');
    const roles = pickRoles(owner.roles, body.roles as Array<{ id?: string; name?: string }> | undefined);
    const clientId = (body.client_id as string | null | undefined) ?? null;
    if (owner.clientId && clientId !== owner.clientId) throw new ForbiddenError();
    const credential: CredentialRecord = {
      id: newId(),
      name: body.name as string,
      user_id: owner.user.id,
      project_id: owner.projectId,
      description: (body.description as string | null) ?? null,
      expires_at: expiresAt,
      role_ids: roles.map((r) => r.id),
      unrestricted: (body.unrestricted as boolean | undefined) ?? false,
      client_id: owner.clientId ?? clientId,
      secret_hash: await hashSecret(secret),
    };
    try {
      await this.registry.insert(credential as unknown as Doc);
    } catch (err) {
      if (err instanceof DuplicateError) throw new ConflictError(`Conflict occurred attempting to store application credential - Duplicate entry found with name ${credential.name}.`);
      throw err;
    }
    return { credential, secret };
  }

  async list(userId: string, filter: { name?: string } = {}): Promise<CredentialRecord[]> {
    const all = (await this.registry.list(userId)) as unknown as CredentialRecord[];
    return filter.name === undefined ? all : all.filter((c) => c.name === filter.name);
  }

  async get(userId: string, id: string): Promise<CredentialRecord> {
    const credential = (await this.registry.get(id)) as CredentialRecord | null;
    if (!credential || credential.user_id !== userId) throw new NotFoundError(`Could not find Application Credential: ${id}.`);
    return credential;
  }

  /** The credential an auth request names: by id, or by name with its user. */
  async lookup(ref: { id?: string; name?: string }, userId: string | null): Promise<CredentialRecord | null> {
    if (ref.id !== undefined) return (await this.registry.get(ref.id)) as CredentialRecord | null;
    if (ref.name === undefined || userId === null) return null;
    return (await this.registry.getByName(`${userId}/${ref.name}`)) as CredentialRecord | null;
  }

  /** Deletes it; the tokens it issued stop working. */
  async delete(userId: string, id: string): Promise<void> {
    await this.get(userId, id);
    await this.registry.delete(id);
    await this.deps.revocations.revoke('acid', id);
  }
}

function parseExpiry(value: unknown, now: number): string | null {
  if (value === undefined || value === null) return null;
  const ms = Date.parse(value as string);
  if (Number.isNaN(ms)) throw new BadRequestError(`Invalid input for field 'expires_at': '${String(value)}' is not a 'date-time'`);
  if (ms <= now) throw new BadRequestError('The expiration date of an application credential must be in the future.');
  return new Date(ms).toISOString();
}

/** The requested roles (by id or name), each of which the owner must hold; none requested: all of them. */
function pickRoles(held: RoleRecord[], wanted: Array<{ id?: string; name?: string }> | undefined): RoleRecord[] {
  if (!wanted || wanted.length === 0) return held;
  return wanted.map((w) => {
    const role = held.find((r) => (w.id !== undefined ? r.id === w.id : r.name === w.name));
    if (!role) throw new ForbiddenError();
    return role;
  });
}
