import { ActionsService } from './actions';
import { BackupsService } from './backups';
import { ChangeFeed } from './changes/change-feed';
import { ChangesService } from './changes/changes-service';
import { ClientsService } from './clients';
import type { ServiceDeps } from './deps';
import { NO_EVENTS } from './events/event-sink';
import { fanOut } from './events/fan-out';
import { FreshnessService } from './freshness/freshness-service';
import { JobsService } from './jobs';
import type { EventsService } from './events/events-service';
import type { WebhooksService } from './events/webhooks-service';
import { RunNowService } from './runs/run-now-service';
import { RunsService } from './runs/runs-service';
import { ClientLastSeen } from './runs/client-last-seen';
import { SessionsService } from './sessions';
import { withFreshnessRecording } from '../store/freshness-recording';

export interface Services {
  jobs: JobsService;
  actions: ActionsService;
  sessions: SessionsService;
  backups: BackupsService;
  clients: ClientsService;
  /** Built by the composition root (they have their own store and loops): see server.ts. */
  events: EventsService;
  webhooks: WebhooksService;
  runs: RunsService;
  freshness: FreshnessService;
  changes: ChangesService;
  runNow: RunNowService;
  /** When each scheduler client last polled (read by the agent-lost sweep and freshness). */
  lastSeen: ClientLastSeen;
}

export function createServices(plain: ServiceDeps, events: Pick<Services, 'events' | 'webhooks'> = noEventServices()): Services {
  const freshness = new FreshnessService(plain);
  // Every job write reaches freshness through the store, whichever service made it.
  const deps: ServiceDeps = {
    ...plain,
    store: withFreshnessRecording(plain.store, freshness, (err) => plain.onBackgroundError?.(err, 'freshness record')),
  };
  const actions = new ActionsService(deps);
  // Runs feed freshness (last success, last run) and whoever listens to events.
  const runs = new RunsService(deps, { events: fanOut(deps.events ?? NO_EVENTS, freshness), settings: deps.runs });
  // Polls are counted in memory; freshness gets them written (silent clients), a few per minute at most.
  const lastSeen = new ClientLastSeen(undefined, freshness.seenWriteEvery(), (userId, clientId, at, projectId) =>
    freshness.recordSeen({ userId, projectId }, clientId, at),
  );
  const jobs = new JobsService(deps, actions, runs, lastSeen);
  return {
    freshness,
    runs,
    lastSeen,
    jobs,
    actions,
    sessions: new SessionsService(deps, jobs),
    backups: new BackupsService(deps),
    clients: new ClientsService(deps),
    ...events,
    runNow: new RunNowService(deps, runs),
    changes: new ChangesService(deps, deps.feed ?? new ChangeFeed(), deps.feedMaxWaitS ?? 55, lastSeen),
  };
}

/** Without the events runtime (unit tests of other services): any use of events or webhooks is a bug, said loudly. */
function noEventServices(): Pick<Services, 'events' | 'webhooks'> {
  const missing = (): never => {
    throw new Error('events and webhooks are not set up (createServices was called without them)');
  };
  return { events: new Proxy({}, { get: missing }) as EventsService, webhooks: new Proxy({}, { get: missing }) as WebhooksService };
}
