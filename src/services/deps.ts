import type { Validator } from '../validation';
import type { Store } from '../store/types';
import type { ChangeFeed } from './changes/change-feed';
import type { Clock } from './common';
import type { EventSink } from './events/event-sink';
import type { FreshnessSettings } from './freshness/freshness-service';
import type { RunsSettings } from './runs/runs-service';

/** What every service is built from (the composition root passes the same instances to all). */
export interface ServiceDeps {
  store: Store;
  validator: Validator;
  clock: Clock;
  /**
   * strict_freezer_action: a freezer_action key or action name not in
   * schemas/freezer_action_options.json is a 400 (false: stored as sent, like the stock server).
   */
  strictFreezerAction: boolean;
  /** Where job writes wake the waiters of GET /clients/{client_id}/changes (default: a feed of this process alone). */
  feed?: ChangeFeed;
  /** feed.max_wait: the longest a change request is held, in seconds (default 55). */
  feedMaxWaitS?: number;
  /** Where run.* events go (absent: nowhere, NO_EVENTS). */
  events?: EventSink;
  /** runs.* settings (absent: the defaults). */
  runs?: Partial<RunsSettings>;
  /** freshness.* settings (absent: the defaults). */
  freshness?: Partial<FreshnessSettings>;
  /** Failures of background work that no request waits for (freshness sweep and records): logged. */
  onBackgroundError?: (err: unknown, what: string) => void;
}
