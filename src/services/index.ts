import { ActionsService } from './actions';
import { BackupsService } from './backups';
import { ChangeFeed } from './changes/change-feed';
import { ChangesService } from './changes/changes-service';
import { ClientsService } from './clients';
import type { ServiceDeps } from './deps';
import { JobsService } from './jobs';
import { RunNowService } from './runs/run-now-service';
import { RunsService } from './runs/runs-service';
import { ClientLastSeen } from './runs/client-last-seen';
import { SessionsService } from './sessions';

export interface Services {
  jobs: JobsService;
  actions: ActionsService;
  sessions: SessionsService;
  backups: BackupsService;
  clients: ClientsService;
  changes: ChangesService;
  runs: RunsService;
  runNow: RunNowService;
  /** When each scheduler client last polled (read by the agent-lost sweep and freshness). */
  lastSeen: ClientLastSeen;
}

export function createServices(deps: ServiceDeps): Services {
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
    runNow: new RunNowService(deps, runs),
    changes: new ChangesService(deps, deps.feed ?? new ChangeFeed(), deps.feedMaxWaitS ?? 55, lastSeen),
  };
}
