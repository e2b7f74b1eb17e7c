import type { IncomingHttpHeaders } from 'node:http';
import { UnauthorizedError } from '../errors';
import type { Authenticator, Identity } from './identity';

export interface NoauthDefaults {
  user_id: string;
  user_name: string;
  project_id: string;
  roles: string[];
}

/**
 * Development mode: identity headers are trusted as sent (what keystonemiddleware would have
 * forwarded), missing ones come from the configured defaults, so stock tools that send only
 * X-Auth-Token map to one stable identity. Never use it on a network others can reach.
 */
export class NoauthAuthenticator implements Authenticator {
  readonly mode = 'noauth';

  constructor(private readonly defaults: NoauthDefaults) {}

  async authenticate(headers: IncomingHttpHeaders): Promise<Identity> {
    if (header(headers, 'x-identity-status')?.toLowerCase() === 'invalid') {
      throw new UnauthorizedError('The request you have made requires authentication.');
    }
    const roles = header(headers, 'x-roles');
    const userId = header(headers, 'x-user-id') || this.defaults.user_id;
    return {
      userId,
      userName: header(headers, 'x-user-name') ?? (userId === this.defaults.user_id ? this.defaults.user_name : null),
      projectId: header(headers, 'x-project-id') || header(headers, 'x-tenant-id') || this.defaults.project_id,
      // Split on ',' without trimming, like the reference.
      roles: roles !== undefined ? roles.split(',') : [...this.defaults.roles],
      // keystonemiddleware's header for a token of the cloud admin project.
      isAdminProject: header(headers, 'x-is-admin-project')?.toLowerCase() === 'true',
    };
  }
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}
