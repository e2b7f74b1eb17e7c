import type { IncomingHttpHeaders } from 'node:http';

/** Who is calling, as established by the authenticator. */
export interface Identity {
  userId: string;
  userName: string | null;
  /** The project the caller's credentials are scoped to (v2 URLs carry their own). */
  projectId: string | null;
  roles: string[];
  /** Set when the token is limited to one scheduler client (an agent's token). */
  clientId?: string | null;
  /** The token's id (jti), when the caller authenticated with a Permafrost token. */
  tokenId?: string;
  /** Set when the token was issued for an application credential (it is bound to its project). */
  applicationCredentialId?: string | null;
}

/** The seam between HTTP and an auth mode (jwt, keystone, noauth). */
export interface Authenticator {
  readonly mode: string;
  /** Resolves the caller or throws UnauthorizedError. */
  authenticate(headers: IncomingHttpHeaders): Promise<Identity>;
}
