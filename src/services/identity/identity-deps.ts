import type { Store } from '../../store/types';
import type { Validator } from '../../validation';
import type { RevocationsService } from './revocations';

/** What the identity services are built from. */
export interface IdentityDeps {
  store: Store;
  validator: Validator;
  revocations: RevocationsService;
  /** Milliseconds since the epoch (injected so tests can move time). */
  now: () => number;
}
