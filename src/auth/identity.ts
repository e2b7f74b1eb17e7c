import type { IncomingHttpHeaders } from 'node:http';

/** Who is calling, as established by the authenticator. */
export interface Identity {
  userId: string;
  userName: string | null;
  /** The project the caller's credentials are scoped to (v2 URLs carry their own). */
  projectId: string | null;
  roles: string[];
}

/** The seam between HTTP and an auth mode (noauth now; jwt and keystone plug in here). */
export interface Authenticator {
  readonly mode: string;
  /** Resolves the caller or throws UnauthorizedError. */
  authenticate(headers: IncomingHttpHeaders): Promise<Identity>;
}
