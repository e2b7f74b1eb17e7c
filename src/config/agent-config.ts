import os from 'node:os';
import path from 'node:path';
import agentSchema from '../../schemas/agent_config.json';
import { ConfigError, deepMerge, fromPairs, kebab, readConfigFile, type Layer } from './config';
import { configProblems } from './config-problems';
import { readSwitch } from './read-switch';
import { SettingSources } from './setting-sources';

/** The validated configuration of `permafrost agent`. */
export interface AgentConfig {
  /** Base URL of the Freezer API (no version); null only with no_api. */
  api_url: string | null;
  api_version: 'v1' | 'v2';
  /** v2 project; null: the project of the token. */
  project_id: string | null;
  /** null: `<project>_<hostname>`, as the stock scheduler. */
  client_id: string | null;
  /** A ready token (OS_TOKEN); else a login at auth_url with a password or application credential. */
  token: string | null;
  auth_url: string | null;
  username: string | null;
  password: string | null;
  project_name: string | null;
  user_domain_name: string;
  project_domain_name: string;
  application_credential_id: string | null;
  application_credential_secret: string | null;
  /** Development against a noauth API: sent as X-User-Id. */
  noauth_user: string | null;
  poll_interval_s: number;
  /** Jobs per list request (the stock scheduler asks for 10). */
  page_size: number;
  jobs_dir: string;
  concurrent_jobs: number;
  no_api: boolean;
  disable_exec: boolean;
  /**
   * Where a job may make the agent read and write: path_to_backup, restore_abs_path, a local
   * container, and the key files a job names. Absolute paths; null: no limit.
   */
  allowed_paths: string[] | null;
  exec_timeout_s: number | null;
  /** On SIGTERM: how long running actions may finish before they are aborted. */
  drain_timeout_s: number;
  request_timeout_ms: number;
  log_level: string;
  log_file: string | null;
}

export interface AgentFlags {
  config?: string;
  apiUrl?: string;
  apiVersion?: string;
  projectId?: string;
  clientId?: string;
  authUrl?: string;
  username?: string;
  interval?: string;
  pageSize?: string;
  jobsDir?: string;
  concurrentJobs?: string;
  noApi?: boolean;
  disableExec?: boolean;
  allowedPaths?: string;
  logLevel?: string;
  logFile?: string;
}

/** Permafrost's own names first; the OS_* names the stock tools read are honoured too. */
const ENV_KEYS: Array<[string, string]> = [
  ['OS_BACKUP_URL', 'api_url'],
  ['OS_TOKEN', 'token'],
  ['OS_AUTH_URL', 'auth_url'],
  ['OS_USERNAME', 'username'],
  ['OS_PASSWORD', 'password'],
  ['OS_PROJECT_ID', 'project_id'],
  ['OS_PROJECT_NAME', 'project_name'],
  ['OS_USER_DOMAIN_NAME', 'user_domain_name'],
  ['OS_PROJECT_DOMAIN_NAME', 'project_domain_name'],
  ['OS_APPLICATION_CREDENTIAL_ID', 'application_credential_id'],
  ['OS_APPLICATION_CREDENTIAL_SECRET', 'application_credential_secret'],
  ['FREEZER_SCHEDULER_CONF_D', 'jobs_dir'],
  ['PERMAFROST_AGENT_API_URL', 'api_url'],
  ['PERMAFROST_AGENT_API_VERSION', 'api_version'],
  ['PERMAFROST_AGENT_PROJECT_ID', 'project_id'],
  ['PERMAFROST_AGENT_CLIENT_ID', 'client_id'],
  ['PERMAFROST_AGENT_TOKEN', 'token'],
  ['PERMAFROST_AGENT_NOAUTH_USER', 'noauth_user'],
  ['PERMAFROST_AGENT_INTERVAL', 'poll_interval_s'],
  ['PERMAFROST_AGENT_PAGE_SIZE', 'page_size'],
  ['PERMAFROST_AGENT_JOBS_DIR', 'jobs_dir'],
  ['PERMAFROST_AGENT_CONCURRENT_JOBS', 'concurrent_jobs'],
  ['PERMAFROST_AGENT_ALLOWED_PATHS', 'allowed_paths'],
  ['PERMAFROST_AGENT_EXEC_TIMEOUT_S', 'exec_timeout_s'],
  ['PERMAFROST_AGENT_DRAIN_TIMEOUT_S', 'drain_timeout_s'],
  ['PERMAFROST_AGENT_LOG_LEVEL', 'log_level'],
  ['PERMAFROST_AGENT_LOG_FILE', 'log_file'],
];

const FLAG_KEYS: Array<[keyof AgentFlags, string]> = [
  ['apiUrl', 'api_url'],
  ['apiVersion', 'api_version'],
  ['projectId', 'project_id'],
  ['clientId', 'client_id'],
  ['authUrl', 'auth_url'],
  ['username', 'username'],
  ['interval', 'poll_interval_s'],
  ['pageSize', 'page_size'],
  ['jobsDir', 'jobs_dir'],
  ['concurrentJobs', 'concurrent_jobs'],
  ['noApi', 'no_api'],
  ['disableExec', 'disable_exec'],
  ['allowedPaths', 'allowed_paths'],
  ['logLevel', 'log_level'],
  ['logFile', 'log_file'],
];

const NUMBER_KEYS = ['poll_interval_s', 'page_size', 'concurrent_jobs', 'exec_timeout_s', 'drain_timeout_s', 'request_timeout_ms'];

/** Loads the agent's configuration once: defaults < file < environment < flags; all problems at once. */
export function loadAgentConfig(flags: AgentFlags = {}, env: NodeJS.ProcessEnv = process.env): AgentConfig {
  const problems: string[] = [];
  const sources = new SettingSources();
  const layers: Layer[] = [];
  const file = flags.config ?? env.PERMAFROST_AGENT_CONFIG;
  if (file) layers.push(readConfigFile({ file, givenBy: flags.config ? '--config' : 'PERMAFROST_AGENT_CONFIG' }, problems));
  layers.push(fromPairs(ENV_KEYS.map(([name, key]) => [key, env[name], name]), sources));
  layers.push(fromPairs(FLAG_KEYS.map(([flag, key]) => [key, flags[flag], `--${kebab(flag)}`]), sources));
  const merged = layers.reduce<Layer>((acc, layer) => deepMerge(acc, layer), {});
  for (const key of NUMBER_KEYS) {
    if (typeof merged[key] === 'string' && /^\d+(\.\d+)?$/.test(merged[key] as string)) merged[key] = Number(merged[key]);
  }
  for (const key of ['no_api', 'disable_exec']) if (merged[key] !== undefined) merged[key] = readSwitch(merged[key]);
  // The environment and flags give a list like PATH does: a:b:c.
  if (typeof merged.allowed_paths === 'string') merged.allowed_paths = merged.allowed_paths.split(path.delimiter).filter(Boolean);
  const config = { ...DEFAULTS, ...merged } as Record<string, unknown>;
  // A jobs_dir that is not a path is left as given, for validation to report.
  if (typeof config.jobs_dir === 'string' && config.jobs_dir !== '') config.jobs_dir = path.resolve(config.jobs_dir);
  if (Array.isArray(config.allowed_paths)) config.allowed_paths = config.allowed_paths.map((p) => (typeof p === 'string' && path.isAbsolute(p) ? path.normalize(p) : p));
  problems.push(...configProblems(agentSchema, config, sources));
  if (problems.length === 0) problems.push(...crossChecks(config as unknown as AgentConfig));
  if (problems.length > 0) throw new ConfigError(problems);
  return config as unknown as AgentConfig;
}

const DEFAULTS = {
  api_url: null,
  api_version: 'v2',
  project_id: null,
  client_id: null,
  token: null,
  auth_url: null,
  username: null,
  password: null,
  project_name: null,
  user_domain_name: 'Default',
  project_domain_name: 'Default',
  application_credential_id: null,
  application_credential_secret: null,
  noauth_user: null,
  poll_interval_s: 60,
  page_size: 100,
  jobs_dir: path.join(os.homedir(), '.permafrost', 'jobs'),
  concurrent_jobs: 1,
  no_api: false,
  disable_exec: false,
  allowed_paths: null,
  exec_timeout_s: null,
  drain_timeout_s: 30,
  request_timeout_ms: 30_000,
  log_level: 'info',
  log_file: null,
};

/** What the schema cannot say: which settings need each other. */
function crossChecks(c: AgentConfig): string[] {
  if (c.no_api) return [];
  const problems: string[] = [];
  if (!c.api_url) problems.push('api_url: the Freezer API URL is needed (--api-url, PERMAFROST_AGENT_API_URL or OS_BACKUP_URL), e.g. http://127.0.0.1:9090, or run with --no-api');
  const login = c.application_credential_id !== null || c.username !== null;
  if (login && !c.auth_url) problems.push('auth_url: logging in with a user or application credential needs the identity URL (--auth-url or OS_AUTH_URL), e.g. http://127.0.0.1:9090/v3');
  if (c.username !== null && c.password === null) problems.push('password: a user login needs a password (OS_PASSWORD or password: in the config file)');
  if (c.application_credential_id !== null && c.application_credential_secret === null) {
    problems.push('application_credential_secret: needed with application_credential_id: the secret printed when the credential was created (OS_APPLICATION_CREDENTIAL_SECRET)');
  }
  if (!c.token && !login && !c.noauth_user) {
    problems.push('auth: give a token (OS_TOKEN), a user (OS_USERNAME/OS_PASSWORD with OS_AUTH_URL) or an application credential (OS_APPLICATION_CREDENTIAL_ID/_SECRET)');
  }
  if (c.api_version === 'v2' && !c.project_id && !login) problems.push('project_id: v2 needs the project (--project-id or OS_PROJECT_ID), e.g. prod, unless it comes from a login');
  return problems;
}
