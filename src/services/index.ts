import { ActionsService } from './actions';
import { BackupsService } from './backups';
import { ClientsService } from './clients';
import type { ServiceDeps } from './deps';
import { JobsService } from './jobs';
import type { EventsService } from './events/events-service';
import type { WebhooksService } from './events/webhooks-service';
import { RunsService } from './runs/runs-service';
import { ClientLastSeen } from './runs/client-last-seen';
import { SessionsService } from './sessions';

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
  /** When each scheduler client last polled (read by the agent-lost sweep and freshness). */
  lastSeen: ClientLastSeen;
}

export function createServices(deps: ServiceDeps, events: Pick<Services, 'events' | 'webhooks'> = noEventServices()): Services {
  const actions = new ActionsService(deps);
  const runs = new RunsService(deps, { events: deps.events, settings: deps.runs });
  const lastSeen = new ClientLastSeen();
  const jobs = new JobsService(deps, actions, runs, lastSeen);
  return {
    runs,
    lastSeen,
    jobs,
    actions,
    sessions: new SessionsService(deps, jobs),
    backups: new BackupsService(deps),
    clients: new ClientsService(deps),
    ...events,
  };
}

/** Without the events runtime (unit tests of other services): any use of events or webhooks is a bug, said loudly. */
function noEventServices(): Pick<Services, 'events' | 'webhooks'> {
  const missing = (): never => {
    throw new Error('events and webhooks are not set up (createServices was called without them)');
  };
  return { events: new Proxy({}, { get: missing }) as EventsService, webhooks: new Proxy({}, { get: missing }) as WebhooksService };
}
