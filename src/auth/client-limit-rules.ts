/**
 * What a token limited to one scheduler client may do: exactly what an agent needs (spec B.2 to
 * B.7: register, poll and update its jobs, post backup metadata, report session runs). The
 * store hides every other client's jobs from it (store/client-limit.ts).
 */
export const CLIENT_LIMITED_RULES: ReadonlySet<string> = new Set([
  'clients:create',
  'clients:get',
  'clients:get_all',
  // The wait-for-change channel; the service refuses another client's (changes-service.ts).
  'clients:changes:get',
  'jobs:get_all',
  'jobs:get',
  'jobs:update',
  'jobs:event:create',
  'backups:create',
  'sessions:action:create',
  // Runs of the token's own client's jobs only (the runs repository applies the client).
  'runs:get_all',
  'runs:get',
  'runs:create',
  'runs:update',
]);
