import type { LoginAccount, LoginSource, LoginThrottle } from '../../auth/login-throttle';
import { DUMMY_HASH, verifySecret } from '../../auth/passwords';
import { UnauthorizedError } from '../../errors';

export const AUTH_FAILED = 'The request you have made requires authentication.';

/**
 * Checks a password or secret through the login throttle, with constant work: an unknown account
 * (no hash) costs the same as a wrong secret. Every failure is the same UnauthorizedError.
 */
export async function proveSecret(throttle: LoginThrottle, account: LoginAccount, from: LoginSource, secret: string, hash: string | null): Promise<void> {
  const ok = await throttle.guard(account, from, async () => (await verifySecret(secret, hash ?? DUMMY_HASH)) && hash !== null);
  if (!ok) throw new UnauthorizedError(AUTH_FAILED);
}
