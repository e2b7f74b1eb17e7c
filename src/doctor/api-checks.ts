import type { Logger } from 'pino';
import { clientIdOf } from '../agent/client-id';
import { credentialsFor, identityV3Url, KeystoneCredentials, LoginError, type Credentials } from '../agent/credentials';
import { ApiError, HttpFreezerApi, type JobDoc } from '../agent/freezer-api';
import { httpJson } from '../agent/http-json';
import type { AgentConfig } from '../config/agent-config';
import { redactCredentials } from '../store/redact-credentials';
import { fail, ok, skip, type Check } from './check';

/** A reachability probe waits at most this long (the agent's own request timeout if shorter). */
const PROBE_TIMEOUT_MS = 10_000;

export interface ApiChecks {
  checks: Check[];
  /** The client's jobs as the agent would poll them; null when they could not be listed. */
  jobs: JobDoc[] | null;
}

/**
 * The API side of the agent's configuration, each step timed: the API answers, the identity
 * service (/v3) answers and the credentials log in (a token obtained, never shown), and the
 * client's jobs can be listed, as the agent does. Nothing is written: the client is not registered.
 */
export async function apiChecks(config: AgentConfig, log: Logger): Promise<ApiChecks> {
  const checks: Check[] = [];
  const apiUrl = config.api_url as string;
  const reached = await probe('api', `${apiUrl.replace(/\/+$/, '')}/`, config);
  checks.push(reached);
  const credentials = credentialsFor(config, log);
  const login = await loginChecks(config, credentials);
  checks.push(...login);
  if (reached.status !== 'ok' || login.some((c) => c.status === 'FAIL')) {
    checks.push(skip('jobs', 'not listed: the API or the login failed (see above)'));
    return { checks, jobs: null };
  }
  const listed = await listJobs(config, credentials, log);
  checks.push(listed.check);
  return { checks, jobs: listed.jobs };
}

/** GET `url`: any answer below 500 means the service is there. */
async function probe(name: string, url: string, config: AgentConfig): Promise<Check> {
  const shown = redactCredentials(url);
  const started = Date.now();
  try {
    const res = await httpJson('GET', url, { timeoutMs: Math.min(PROBE_TIMEOUT_MS, config.request_timeout_ms) });
    const ms = Date.now() - started;
    if (res.status >= 500 || res.status === 0) return fail(name, `${shown} answered HTTP ${res.status}: the service is there but failing; see its logs`, ms);
    return ok(name, `${shown} answered HTTP ${res.status}`, ms);
  } catch (err) {
    const why = redactCredentials((err as Error).message);
    return fail(name, `${shown} cannot be reached (${why}); check the URL${name === 'api' ? ' (--api-url)' : ' (--auth-url, OS_AUTH_URL)'} and that the service runs`, Date.now() - started);
  }
}

/** /v3 answers and the credentials get a token, when the agent logs in; otherwise why not. */
async function loginChecks(config: AgentConfig, credentials: Credentials): Promise<Check[]> {
  if (!(credentials instanceof KeystoneCredentials)) {
    const how = config.token !== null ? 'a ready token (OS_TOKEN) is used' : `noauth_user ${config.noauth_user} is sent (a noauth API)`;
    return [skip('identity', `no login: ${how}`)];
  }
  const v3 = identityV3Url(config.auth_url as string);
  const reached = await probe('identity', v3, config);
  if (reached.status !== 'ok') return [reached, skip('login', 'the identity service cannot be reached')];
  const started = Date.now();
  try {
    const project = await credentials.projectId();
    return [reached, ok('login', `${loginKind(config)} got a token${project ? ` for project ${project}` : ''}`, Date.now() - started)];
  } catch (err) {
    const ms = Date.now() - started;
    if (err instanceof LoginError && err.status === 401) return [reached, fail('login', `${v3} refused ${loginKind(config)} (HTTP 401): check ${loginVars(config)}`, ms)];
    return [reached, fail('login', `${redactCredentials((err as Error).message)}; check ${loginVars(config)}`, ms)];
  }
}

function loginKind(config: AgentConfig): string {
  return config.application_credential_id !== null ? `application credential ${config.application_credential_id}` : `user ${config.username}`;
}

function loginVars(config: AgentConfig): string {
  return config.application_credential_id !== null
    ? 'OS_APPLICATION_CREDENTIAL_ID and OS_APPLICATION_CREDENTIAL_SECRET'
    : `OS_USERNAME, OS_PASSWORD (user domain ${config.user_domain_name}) and the project (OS_PROJECT_ID or OS_PROJECT_NAME)`;
}

/** The client's jobs, as the agent's poll fetches them (same client id, same search). */
async function listJobs(config: AgentConfig, credentials: Credentials, log: Logger): Promise<{ check: Check; jobs: JobDoc[] | null }> {
  const api = new HttpFreezerApi(config, credentials, log);
  const started = Date.now();
  let clientId = config.client_id ?? '(default)';
  try {
    clientId = clientIdOf(config, await api.projectId());
    const jobs = (await api.pollJobs(clientId)) ?? [];
    return { check: ok('jobs', `${jobs.length} job${jobs.length === 1 ? '' : 's'} of client ${clientId} to check`, Date.now() - started), jobs };
  } catch (err) {
    const ms = Date.now() - started;
    const status = err instanceof ApiError ? err.status : 0;
    const fix = status === 401 ? `: the API refused the credentials; check that it accepts ${config.token !== null ? 'the token (OS_TOKEN)' : 'tokens of this identity service'}`
      : status === 403 ? `: these credentials may not list the jobs of client ${clientId}; check --client-id and the role in the project`
        : '';
    return { check: fail('jobs', `cannot list the jobs of client ${clientId}: ${redactCredentials((err as Error).message)}${fix}`, ms), jobs: null };
  }
}
