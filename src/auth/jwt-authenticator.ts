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

  constructor(
    private readonly tokens: { validate(token: string): TokenClaims },
    /** The cloud admin project, by id or name (setting cloud_admin_project). */
    private readonly adminProject: string,
  ) {}

  async authenticate(headers: IncomingHttpHeaders): Promise<Identity> {
    const token = tokenFromHeaders(headers);
    if (!token) throw new UnauthorizedError('The request you have made requires authentication.');
    return identityOf(this.tokens.validate(token), this.adminProject);
  }
}

/**
 * The caller a verified token describes. The admin project is recognised by id or by name:
 * names are unique in this deployment's one domain, and the name is the one the project had when
 * the token was issued (only a cloud admin may create or rename projects).
 */
export function identityOf(claims: TokenClaims, adminProject: string): Identity {
  const project = claims.project;
  return {
    userId: claims.sub,
    userName: claims.name,
    projectId: claims.project,
    roles: claims.roles,
    clientId: claims.cid ?? null,
    tokenId: claims.jti,
    methods: claims.methods,
    ...(claims.acid !== undefined ? { appCredentialId: claims.acid } : {}),
    isAdminProject: project !== null && (project === adminProject || claims.project_name === adminProject),
  };
}
