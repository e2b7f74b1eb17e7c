import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import bytes from 'bytes';
import YAML from 'yaml';
import configSchema from '../../schemas/config.json';
import { ownValue, setOwn } from '../own-property';
import { DEFAULT_RUNS_SETTINGS, type RunsSettings } from '../services/runs/runs-service';
import { configProblems } from './config-problems';
import { describeValue } from './expected-text';
import { readSwitch } from './read-switch';
import { SettingSources } from './setting-sources';

/** The validated configuration every component receives (never read from process.env elsewhere). */
export interface Config {
  bind: string;
  database: string;
  data_dir: string;
  auth: 'jwt' | 'keystone' | 'noauth';
  /** Base URL of this API as clients reach it, published in token catalogs (null: from the request). */
  public_url: string | null;
  /** YAML or JSON file of policy rule overrides (null: the built-in defaults). */
  policy_file: string | null;
  /** jwt/keystone: a v2 URL project other than the token's answers 403 unless the caller is admin. */
  enforce_project_scope: boolean;
  jwt: JwtSettings;
  keystone: KeystoneSettings;
  bootstrap: { admin_user: string; admin_project: string; admin_password: string | null };
  /** Project (id or name) whose admins administer the whole deployment; null: bootstrap.admin_project. */
  cloud_admin_project: string | null;
  login_throttle: LoginThrottleSettings;
  api_versions: Array<'v1' | 'v2'>;
  /** A freezer_action key or action name the agent does not know is a 400 (false: stored as sent). */
  strict_freezer_action: boolean;
  body_limit: number;
  /** Bounds on the shape of request bodies and stored documents (checked before any parsing). */
  limits: DocumentLimits;
  /** Milliseconds a client has to send a whole request (headers and body) before 408. */
  request_timeout_ms: number;
  /** API processes sharing the port (node:cluster); 'auto' in the file/env means one per core. */
  workers: number;
  log_level: string;
  access_log: boolean;
  healthcheck_disable_file: string;
  /**
   * A second listen address serving only GET /metrics, without auth (null: none; /metrics on the
   * API address then needs a token allowed by the `metrics:get` policy rule).
   */
  metrics_bind: string | null;
  /** Most series one per-job (or per-client) metric family reports; the rest are counted as dropped. */
  metrics_series_limit: number;
  sqlite: { synchronous: 'NORMAL' | 'FULL'; cache_mb: number };
  /** Stale jobs and silent clients (README "Freshness"). */
  freshness: FreshnessConfig;
  events: EventsSettings;
  webhooks: WebhooksSettings;
  /** The wait-for-change channel: `max_wait` is the longest a GET /clients/{id}/changes is held, in seconds. */
  feed: { max_wait: number };
  /** Run records: agent-lost and queue timeouts, retention, the sweep's pace, run-now's longest wait. */
  runs: RunsSettings;
  noauth: { user_id: string; user_name: string; project_id: string; roles: string[] };
}

/** freshness.*: when a job is stale and a client silent, and how often the server looks. */
export interface FreshnessConfig {
  /** A job is stale when no success came within its expected interval plus max(grace_seconds, grace_factor x interval). */
  grace_seconds: number;
  grace_factor: number;
  /** Seconds between two passes of the sweep that marks jobs stale and clients silent. */
  sweep_seconds: number;
  /** Seconds without a poll after which a client's agent is silent. */
  silent_after: number;
}

/**
 * What one request may make the server parse and index (issue 11, item 9): each bounds a cost
 * that grows with it, so that no request stalls the event loop. Stored documents may have twice
 * the keys (the server adds fields; session PATCHes merge).
 */
export interface DocumentLimits {
  /** Object keys in a body, counted over every level. */
  max_keys: number;
  /** Nesting of objects and arrays. */
  max_depth: number;
  /** Characters in one string, keys included. */
  max_string_length: number;
  /** Elements of one array. */
  max_array_items: number;
}

/** The events store and the server-sent-events stream (issue 12, item 5). */
export interface EventsSettings {
  /** Events older than this are pruned (days). */
  keep_days: number;
  /** At most this many events are kept per project (and user: the tenant scope); the oldest go first. */
  max_per_project: number;
  /** How often a server looks in the store for events other processes wrote (ms). */
  poll_ms: number;
  /** A comment line is sent on an idle stream this often (s), so proxies keep it open. */
  keepalive_s: number;
  /** How often retention runs (s). */
  prune_interval_s: number;
}

/** Webhook delivery. */
export interface WebhooksSettings {
  /** Attempts per delivery before it is given up (failed). */
  max_attempts: number;
  /** Delay before the 2nd attempt (ms); it doubles each time, up to max_delay_ms. */
  base_delay_ms: number;
  max_delay_ms: number;
  /** One attempt's whole request (connect, send, answer) may take this long (ms). */
  timeout_ms: number;
  /** How often a server looks for due deliveries written by other processes or left by a restart (ms). */
  poll_ms: number;
  /** Deliveries one process attempts at once. */
  concurrency: number;
  /** false: targets resolving to loopback, private, link-local (etc.) addresses are refused. */
  allow_private_targets: boolean;
}

export interface JwtSettings {
  algorithm: 'HS256' | 'RS256';
  /** HS256 secret file; null: generated into <data_dir>/jwt-secret on first start. */
  secret_file: string | null;
  /** RS256 PEM keys; both null: a pair is generated into data_dir. Public only: verify-only replica. */
  private_key_file: string | null;
  public_key_file: string | null;
  issuer: string;
  audience: string;
  /** Lifetime of issued tokens, seconds. */
  ttl_s: number;
  /** Clock skew tolerated on exp/nbf, seconds. */
  leeway_s: number;
}

/** Slowing down password and secret guessing (auth/login-throttle.ts). */
export interface LoginThrottleSettings {
  /** Failures on one account before attempts on it start to wait. */
  free_failures: number;
  /** Failures from one client address, all accounts together, before attempts from it start to wait. */
  source_free_failures: number;
  /** The first wait; each further failure doubles it. */
  base_delay_ms: number;
  /** The longest wait a single failure adds. */
  max_delay_ms: number;
  /** Take the client address from the last X-Forwarded-For entry (only behind a proxy that appends it). */
  trust_forwarded_for: boolean;
}

/** auth=keystone: where tokens are validated, with this service's own credentials. */
export interface KeystoneSettings {
  url: string | null;
  username: string | null;
  password: string | null;
  project_name: string | null;
  user_domain_name: string;
  project_domain_name: string;
  /** How long a validation result is reused, seconds (never beyond the token's expiry). */
  cache_ttl_s: number;
  cache_size: number;
  timeout_ms: number;
}

/** Command-line flags, as commander parses them (all optional). */
export interface ConfigFlags {
  config?: string;
  bind?: string;
  database?: string;
  dataDir?: string;
  auth?: string;
  bodyLimit?: string;
  workers?: string;
  logLevel?: string;
  noauthUser?: string;
  noauthProject?: string;
  noauthRoles?: string;
  metricsBind?: string;
}

export class ConfigError extends Error {
  /** A configuration mistake ends every command with status 2 (a failure of the work itself: 1). */
  readonly exitStatus = 2;

  constructor(readonly problems: string[]) {
    // One problem fits on one line; several are listed one per line.
    super(problems.length === 1 ? `invalid configuration: ${problems[0]}` : `invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

export type Layer = Record<string, unknown>;

const ENV_KEYS: Record<string, string> = {
  PERMAFROST_BIND: 'bind',
  PERMAFROST_DATABASE: 'database',
  PERMAFROST_DATA_DIR: 'data_dir',
  PERMAFROST_AUTH: 'auth',
  PERMAFROST_BODY_LIMIT: 'body_limit',
  PERMAFROST_MAX_KEYS: 'limits.max_keys',
  PERMAFROST_MAX_DEPTH: 'limits.max_depth',
  PERMAFROST_MAX_STRING_LENGTH: 'limits.max_string_length',
  PERMAFROST_MAX_ARRAY_ITEMS: 'limits.max_array_items',
  PERMAFROST_REQUEST_TIMEOUT_MS: 'request_timeout_ms',
  PERMAFROST_WORKERS: 'workers',
  PERMAFROST_LOG_LEVEL: 'log_level',
  PERMAFROST_ACCESS_LOG: 'access_log',
  PERMAFROST_API_VERSIONS: 'api_versions',
  PERMAFROST_STRICT_FREEZER_ACTION: 'strict_freezer_action',
  PERMAFROST_NOAUTH_USER: 'noauth.user_id',
  PERMAFROST_NOAUTH_PROJECT: 'noauth.project_id',
  PERMAFROST_NOAUTH_ROLES: 'noauth.roles',
  PERMAFROST_PUBLIC_URL: 'public_url',
  PERMAFROST_POLICY_FILE: 'policy_file',
  PERMAFROST_ENFORCE_PROJECT_SCOPE: 'enforce_project_scope',
  PERMAFROST_JWT_ALGORITHM: 'jwt.algorithm',
  PERMAFROST_JWT_SECRET_FILE: 'jwt.secret_file',
  PERMAFROST_JWT_PRIVATE_KEY_FILE: 'jwt.private_key_file',
  PERMAFROST_JWT_PUBLIC_KEY_FILE: 'jwt.public_key_file',
  PERMAFROST_JWT_ISSUER: 'jwt.issuer',
  PERMAFROST_JWT_AUDIENCE: 'jwt.audience',
  PERMAFROST_TOKEN_TTL_S: 'jwt.ttl_s',
  PERMAFROST_KEYSTONE_URL: 'keystone.url',
  PERMAFROST_KEYSTONE_USERNAME: 'keystone.username',
  PERMAFROST_KEYSTONE_PASSWORD: 'keystone.password',
  PERMAFROST_KEYSTONE_PROJECT: 'keystone.project_name',
  PERMAFROST_KEYSTONE_CACHE_TTL_S: 'keystone.cache_ttl_s',
  PERMAFROST_ADMIN_USER: 'bootstrap.admin_user',
  PERMAFROST_ADMIN_PROJECT: 'bootstrap.admin_project',
  PERMAFROST_ADMIN_PASSWORD: 'bootstrap.admin_password',
  PERMAFROST_CLOUD_ADMIN_PROJECT: 'cloud_admin_project',
  PERMAFROST_METRICS_BIND: 'metrics_bind',
  PERMAFROST_METRICS_SERIES_LIMIT: 'metrics_series_limit',
  PERMAFROST_FRESHNESS_GRACE_SECONDS: 'freshness.grace_seconds',
  PERMAFROST_FRESHNESS_GRACE_FACTOR: 'freshness.grace_factor',
  PERMAFROST_FRESHNESS_SWEEP_SECONDS: 'freshness.sweep_seconds',
  PERMAFROST_FRESHNESS_SILENT_AFTER: 'freshness.silent_after',
  PERMAFROST_EVENTS_KEEP_DAYS: 'events.keep_days',
  PERMAFROST_EVENTS_MAX_PER_PROJECT: 'events.max_per_project',
  PERMAFROST_EVENTS_POLL_MS: 'events.poll_ms',
  PERMAFROST_EVENTS_KEEPALIVE_S: 'events.keepalive_s',
  PERMAFROST_EVENTS_PRUNE_INTERVAL_S: 'events.prune_interval_s',
  PERMAFROST_WEBHOOKS_MAX_ATTEMPTS: 'webhooks.max_attempts',
  PERMAFROST_WEBHOOKS_BASE_DELAY_MS: 'webhooks.base_delay_ms',
  PERMAFROST_WEBHOOKS_MAX_DELAY_MS: 'webhooks.max_delay_ms',
  PERMAFROST_WEBHOOKS_TIMEOUT_MS: 'webhooks.timeout_ms',
  PERMAFROST_WEBHOOKS_POLL_MS: 'webhooks.poll_ms',
  PERMAFROST_WEBHOOKS_CONCURRENCY: 'webhooks.concurrency',
  PERMAFROST_WEBHOOKS_ALLOW_PRIVATE_TARGETS: 'webhooks.allow_private_targets',
  PERMAFROST_FEED_MAX_WAIT: 'feed.max_wait',
  PERMAFROST_RUNS_AGENT_LOST_AFTER: 'runs.agent_lost_after',
  PERMAFROST_RUNS_QUEUE_TIMEOUT: 'runs.queue_timeout',
  PERMAFROST_RUNS_KEEP_PER_JOB: 'runs.keep_per_job',
  PERMAFROST_RUNS_KEEP_DAYS: 'runs.keep_days',
  PERMAFROST_RUNS_SWEEP_INTERVAL: 'runs.sweep_interval',
  PERMAFROST_RUNS_MAX_WAIT: 'runs.max_wait',
  PERMAFROST_RUNS_STREAM_SECONDS: 'runs.stream_seconds',
};

/** Settings that arrive as strings from the environment and must be whole numbers. */
const INTEGER_KEYS = [
  'request_timeout_ms',
  'jwt.ttl_s',
  'jwt.leeway_s',
  'keystone.cache_ttl_s',
  'keystone.cache_size',
  'keystone.timeout_ms',
  'limits.max_keys',
  'limits.max_depth',
  'limits.max_string_length',
  'limits.max_array_items',
  'metrics_series_limit',
  'freshness.grace_seconds',
  'freshness.sweep_seconds',
  'freshness.silent_after',
  'events.keep_days',
  'events.max_per_project',
  'events.poll_ms',
  'events.keepalive_s',
  'events.prune_interval_s',
  'webhooks.max_attempts',
  'webhooks.base_delay_ms',
  'webhooks.max_delay_ms',
  'webhooks.timeout_ms',
  'webhooks.poll_ms',
  'webhooks.concurrency',
  'feed.max_wait',
  'runs.agent_lost_after',
  'runs.queue_timeout',
  'runs.keep_per_job',
  'runs.keep_days',
  'runs.sweep_interval',
  'runs.max_wait',
  'runs.stream_seconds',
];

/** Settings that arrive as strings from the environment and may have a fraction. */
const DECIMAL_KEYS = ['freshness.grace_factor'];

const FLAG_KEYS: Record<keyof ConfigFlags, string | null> = {
  config: null,
  bind: 'bind',
  database: 'database',
  dataDir: 'data_dir',
  auth: 'auth',
  bodyLimit: 'body_limit',
  workers: 'workers',
  logLevel: 'log_level',
  noauthUser: 'noauth.user_id',
  noauthProject: 'noauth.project_id',
  noauthRoles: 'noauth.roles',
  metricsBind: 'metrics_bind',
};

/**
 * Loads the configuration once: built-in defaults < config file < environment < flags.
 * Every problem is reported at once (ConfigError.problems), not just the first.
 */
export function loadConfig(flags: ConfigFlags = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  const sources = new SettingSources();
  const layers: Layer[] = [];
  const file = flags.config ?? env.PERMAFROST_CONFIG;
  if (file) layers.push(readConfigFile({ file, givenBy: flags.config ? '--config' : 'PERMAFROST_CONFIG' }, problems));
  layers.push(fromPairs(Object.entries(ENV_KEYS).map(([name, key]) => [key, env[name], name]), sources));
  layers.push(
    fromPairs(
      Object.entries(FLAG_KEYS)
        .filter((entry): entry is [string, string] => entry[1] !== null)
        .map(([flag, key]) => [key, flags[flag as keyof ConfigFlags], `--${kebab(flag)}`]),
      sources,
    ),
  );
  const merged = layers.reduce<Layer>((acc, layer) => deepMerge(acc, layer), {});
  const config = withDefaults(coerce(merged));
  problems.push(...configProblems(configSchema, config, sources));
  problems.push(...crossChecks(config, sources));
  if (problems.length > 0) throw new ConfigError(problems);
  return config as unknown as Config;
}

/** What the schema cannot say: settings that depend on each other. */
function crossChecks(config: Layer, sources: SettingSources): string[] {
  const problems: string[] = [];
  if (config.database === 'sqlite::memory:' && typeof config.workers === 'number' && config.workers > 1) {
    problems.push(
      `${sources.named('workers')}: ${config.workers} processes cannot share an in-memory database (sqlite::memory:): expected 1, or a database file, e.g. sqlite:/var/lib/permafrost/permafrost.db`,
    );
  }
  const throttle = config.login_throttle as Partial<LoginThrottleSettings>;
  if (typeof throttle.max_delay_ms === 'number' && typeof throttle.base_delay_ms === 'number' && throttle.max_delay_ms < throttle.base_delay_ms) {
    problems.push(
      `${sources.named('login_throttle.max_delay_ms')}: ${throttle.max_delay_ms} is less than login_throttle.base_delay_ms (${throttle.base_delay_ms}): expected the longest delay, at least the first one, e.g. 10000`,
    );
  }
  // Port 0 asks for any free port: two such binds get two different ports, so they do not clash.
  if (typeof config.metrics_bind === 'string' && config.metrics_bind === config.bind && !config.bind.endsWith(':0')) {
    problems.push(
      `${sources.named('metrics_bind')}: "${config.metrics_bind}" is the API address (bind), and it serves /metrics without auth: expected another address, e.g. 127.0.0.1:9091`,
    );
  }
  return problems;
}

/** A configuration file and what named it (--config or an environment variable), for messages. */
export interface ConfigFileSource {
  file: string;
  givenBy: string;
}

/** The file's settings; an unreadable or malformed file adds one problem and gives no settings. */
export function readConfigFile({ file, givenBy }: ConfigFileSource, problems: string[]): Layer {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    problems.push(`config file ${file}: ${describeReadError(err as NodeJS.ErrnoException)} (given by ${givenBy})`);
    return {};
  }
  let parsed: unknown;
  try {
    parsed = YAML.parse(text) ?? {};
  } catch (err) {
    problems.push(`config file ${file}: ${describeYamlError(err as Error)}`);
    return {};
  }
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    problems.push(`config file ${file}: holds ${describeValue(parsed)}, not a mapping of settings: expected one "name: value" line per setting, e.g. "log_level: info"`);
    return {};
  }
  return parsed as Layer;
}

function describeReadError(err: NodeJS.ErrnoException): string {
  if (err.code === 'ENOENT') return 'not found';
  if (err.code === 'EACCES') return 'cannot be read by this user (permission denied)';
  if (err.code === 'EISDIR') return 'is a directory, expected a YAML file';
  if (err.code === 'ENOTDIR') return 'not found (a part of its path is a file)';
  return `cannot be read (${err.code ?? err.message})`;
}

/** Plainer words for the YAML mistakes the parser words in its own terms. */
const YAML_MISTAKES: Record<string, string> = {
  DUPLICATE_KEY: 'a setting is given twice',
  TAB_AS_INDENT: 'a line is indented with a tab; YAML indents with spaces',
};

/** The YAML parser's first line, with the line and column it gives moved to the front. */
function describeYamlError(err: Error): string {
  const { code, linePos } = err as { code?: string; linePos?: Array<{ line: number; col: number }> };
  const what = YAML_MISTAKES[code ?? ''] ?? err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  return linePos?.[0] ? `not valid YAML at line ${linePos[0].line}, column ${linePos[0].col}: ${what}` : `not valid YAML: ${what}`;
}

/**
 * Turns [dotted key, raw string value, source] pairs into a nested layer, skipping unset values;
 * the source of each value is recorded for messages.
 */
export function fromPairs(pairs: Array<[string, unknown, string]>, sources?: SettingSources): Layer {
  const layer: Layer = {};
  for (const [key, value, source] of pairs) {
    if (value === undefined || value === '') continue;
    const parts = key.split('.');
    let node = layer;
    for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Layer;
    node[parts[parts.length - 1]] = value;
    sources?.set(key, source);
  }
  return layer;
}

/**
 * Environment and flags arrive as strings: convert the few non-string settings. Text that does
 * not convert is left as it is, for validation to report with the setting's expected form.
 */
function coerce(layer: Layer): Layer {
  const out: Layer = { ...layer };
  if (typeof out.body_limit === 'string') {
    const n = bytes.parse(out.body_limit);
    if (n !== null && !Number.isNaN(n)) out.body_limit = n;
  }
  for (const key of INTEGER_KEYS) convertLeaf(out, key, (text) => (/^\d+$/.test(text) ? Number(text) : text));
  for (const key of DECIMAL_KEYS) convertLeaf(out, key, (text) => (/^\d+(\.\d+)?$/.test(text) ? Number(text) : text));
  if (out.workers === 'auto') out.workers = os.availableParallelism();
  else if (typeof out.workers === 'string' && /^\d+$/.test(out.workers)) out.workers = Number(out.workers);
  for (const key of ['access_log', 'enforce_project_scope', 'strict_freezer_action', 'webhooks.allow_private_targets']) convertLeaf(out, key, readSwitch);
  if (typeof out.api_versions === 'string') out.api_versions = splitList(out.api_versions);
  convertLeaf(out, 'noauth.roles', splitList);
  return out;
}

/** Converts the text at `key` (one or two levels) in place; groups are copied, never shared with the input. */
function convertLeaf(out: Layer, key: string, convert: (text: string) => unknown): void {
  const [head, leaf] = key.split('.');
  if (leaf === undefined) {
    if (typeof out[head] === 'string') out[head] = convert(out[head] as string);
    return;
  }
  const group = out[head];
  if (!isPlainObject(group) || typeof group[leaf] !== 'string') return;
  out[head] = { ...group, [leaf]: convert(group[leaf] as string) };
}

/** A group's defaults under what was given; a group given as something else is kept, for validation to report. */
function group(given: unknown, defaults: Layer): unknown {
  // An empty group in YAML (`keystone:` with every line under it commented out) is null.
  if (given === undefined || given === null) return defaults;
  return isPlainObject(given) ? { ...defaults, ...given } : given;
}

function withDefaults(layer: Layer): Layer {
  // A data_dir that is not a path is kept as given for validation to report; the paths derived
  // from it then use the default place.
  const givenDir = layer.data_dir ?? 'data';
  const usableDir = typeof givenDir === 'string' && givenDir !== '';
  const dataDir = path.resolve(usableDir ? givenDir : 'data');
  const noauth = group(layer.noauth, { user_id: 'noauth-user', project_id: 'noauth-project', roles: ['member'] });
  return {
    bind: '127.0.0.1:9090',
    auth: 'jwt',
    public_url: null,
    policy_file: null,
    enforce_project_scope: true,
    api_versions: ['v1', 'v2'],
    strict_freezer_action: true,
    body_limit: 512 * 1024,
    request_timeout_ms: 60_000,
    workers: 1,
    log_level: 'info',
    access_log: false,
    healthcheck_disable_file: path.join(dataDir, 'healthcheck_disable'),
    metrics_bind: null,
    metrics_series_limit: 1000,
    ...layer,
    data_dir: usableDir ? dataDir : givenDir,
    database: layer.database ?? `sqlite:${path.join(dataDir, 'permafrost.db')}`,
    sqlite: group(layer.sqlite, { synchronous: 'NORMAL', cache_mb: 64 }),
    freshness: group(layer.freshness, { grace_seconds: 3600, grace_factor: 0, sweep_seconds: 30, silent_after: 300 }),
    feed: group(layer.feed, { max_wait: 55 }),
    runs: group(layer.runs, { ...DEFAULT_RUNS_SETTINGS }),
    limits: group(layer.limits, { max_keys: 5_000, max_depth: 16, max_string_length: 65_536, max_array_items: 10_000 }),
    events: group(layer.events, { keep_days: 30, max_per_project: 100_000, poll_ms: 250, keepalive_s: 15, prune_interval_s: 60 }),
    webhooks: group(layer.webhooks, {
      max_attempts: 8,
      base_delay_ms: 10_000,
      max_delay_ms: 3_600_000,
      timeout_ms: 10_000,
      poll_ms: 1000,
      concurrency: 4,
      allow_private_targets: false,
    }),
    jwt: group(layer.jwt, {
      algorithm: 'HS256',
      secret_file: null,
      private_key_file: null,
      public_key_file: null,
      issuer: 'permafrost',
      audience: 'permafrost',
      ttl_s: 3600,
      leeway_s: 30,
    }),
    keystone: group(layer.keystone, {
      url: null,
      username: null,
      password: null,
      project_name: null,
      user_domain_name: 'Default',
      project_domain_name: 'Default',
      cache_ttl_s: 300,
      cache_size: 10_000,
      timeout_ms: 10_000,
    }),
    bootstrap: group(layer.bootstrap, { admin_user: 'admin', admin_project: 'admin', admin_password: null }),
    cloud_admin_project: layer.cloud_admin_project ?? null,
    login_throttle: group(layer.login_throttle, { free_failures: 3, source_free_failures: 30, base_delay_ms: 250, max_delay_ms: 10_000, trust_forwarded_for: false }),
    noauth: isPlainObject(noauth) ? { ...noauth, user_name: noauth.user_name ?? noauth.user_id ?? 'noauth-user' } : noauth,
  };
}

export function deepMerge(base: Layer, over: Layer): Layer {
  const out: Layer = { ...base };
  for (const [key, value] of Object.entries(over)) {
    // Own properties only: a `__proto__` or `constructor` setting is reported as unknown by the
    // schema instead of becoming the prototype of the merged configuration.
    const prev = ownValue(out, key);
    setOwn(out, key, isPlainObject(prev) && isPlainObject(value) ? deepMerge(prev, value) : value);
  }
  return out;
}

function isPlainObject(v: unknown): v is Layer {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function splitList(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter(Boolean);
}

/** A flag's option name as typed (dataDir -> data-dir). */
export function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
