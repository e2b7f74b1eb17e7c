import type { LoginThrottle } from '../../auth/login-throttle';
import type { Store } from '../../store/types';
import type { Validator } from '../../validation';
import type { RevocationsService } from './revocations';

/** What the identity services are built from. */
export interface IdentityDeps {
  store: Store;
  validator: Validator;
  revocations: RevocationsService;
  /** One throttle for every door that checks a password or secret (login, password change). */
  throttle: LoginThrottle;
  /** Milliseconds since the epoch (injected so tests can move time). */
  now: () => number;
}
