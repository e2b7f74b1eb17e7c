import { ActionsService } from './actions';
import { BackupsService } from './backups';
import { ClientsService } from './clients';
import type { ServiceDeps } from './deps';
import { JobsService } from './jobs';
import type { EventsService } from './events/events-service';
import type { WebhooksService } from './events/webhooks-service';
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
}

export function createServices(deps: ServiceDeps, events: Pick<Services, 'events' | 'webhooks'>): Services {
  const actions = new ActionsService(deps);
  const jobs = new JobsService(deps, actions);
  return {
    jobs,
    actions,
    sessions: new SessionsService(deps, jobs),
    backups: new BackupsService(deps),
    clients: new ClientsService(deps),
    ...events,
  };
}
