import type { Validator } from '../validation';
import type { Store } from '../store/types';
import type { Clock } from './common';

/** What every service is built from (the composition root passes the same instances to all). */
export interface ServiceDeps {
  store: Store;
  validator: Validator;
  clock: Clock;
}
