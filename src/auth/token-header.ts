import type { IncomingHttpHeaders } from 'node:http';

/** The caller's token: `X-Auth-Token` (what OpenStack clients send) or `Authorization: Bearer`. */
export function tokenFromHeaders(headers: IncomingHttpHeaders): string | null {
  const x = headers['x-auth-token'];
  if (typeof x === 'string' && x !== '') return x.trim();
  const authz = headers.authorization;
  if (typeof authz === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authz);
    if (m) return m[1];
  }
  return null;
}
