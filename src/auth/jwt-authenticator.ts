import type { IncomingHttpHeaders } from 'node:http';
import { UnauthorizedError } from '../errors';
import type { Authenticator, Identity } from './identity';
import { tokenFromHeaders } from './token-header';
import type { TokenClaims } from './tokens';

/**
 * auth=jwt: the caller's token was signed by this deployment (POST /v3/auth/tokens or
 * `permafrost token issue`); it is verified locally (signature, expiry, issuer, audience) and
 * checked against the revocation events, with no store round trip.
 */
export class JwtAuthenticator implements Authenticator {
  readonly mode = 'jwt';

  constructor(private readonly tokens: { validate(token: string): TokenClaims }) {}

  async authenticate(headers: IncomingHttpHeaders): Promise<Identity> {
    const token = tokenFromHeaders(headers);
    if (!token) throw new UnauthorizedError('The request you have made requires authentication.');
    return identityOf(this.tokens.validate(token));
  }
}

export function identityOf(claims: TokenClaims): Identity {
  return {
    userId: claims.sub,
    userName: claims.name,
    projectId: claims.project,
    roles: claims.roles,
    clientId: claims.cid ?? null,
    tokenId: claims.jti,
    applicationCredentialId: claims.acid ?? null,
  };
}
