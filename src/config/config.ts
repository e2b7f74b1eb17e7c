import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import bytes from 'bytes';
import YAML from 'yaml';
import configSchema from '../../schemas/config.json';
import { listProblems } from '../validation/list-problems';

/** The validated configuration every component receives (never read from process.env elsewhere). */
export interface Config {
  bind: string;
  database: string;
  data_dir: string;
  auth: 'noauth';
  api_versions: Array<'v1' | 'v2'>;
  body_limit: number;
  /** Milliseconds a client has to send a whole request (headers and body) before 408. */
  request_timeout_ms: number;
  /** API processes sharing the port (node:cluster); 'auto' in the file/env means one per core. */
  workers: number;
  log_level: string;
  access_log: boolean;
  healthcheck_disable_file: string;
  sqlite: { synchronous: 'NORMAL' | 'FULL'; cache_mb: number };
  noauth: { user_id: string; user_name: string; project_id: string; roles: string[] };
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
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

type Layer = Record<string, unknown>;

const ENV_KEYS: Record<string, string> = {
  PERMAFROST_BIND: 'bind',
  PERMAFROST_DATABASE: 'database',
  PERMAFROST_DATA_DIR: 'data_dir',
  PERMAFROST_AUTH: 'auth',
  PERMAFROST_BODY_LIMIT: 'body_limit',
  PERMAFROST_REQUEST_TIMEOUT_MS: 'request_timeout_ms',
  PERMAFROST_WORKERS: 'workers',
  PERMAFROST_LOG_LEVEL: 'log_level',
  PERMAFROST_ACCESS_LOG: 'access_log',
  PERMAFROST_API_VERSIONS: 'api_versions',
  PERMAFROST_NOAUTH_USER: 'noauth.user_id',
  PERMAFROST_NOAUTH_PROJECT: 'noauth.project_id',
  PERMAFROST_NOAUTH_ROLES: 'noauth.roles',
};

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
};

/**
 * Loads the configuration once: built-in defaults < config file < environment < flags.
 * Every problem is reported at once (ConfigError.problems), not just the first.
 */
export function loadConfig(flags: ConfigFlags = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  const layers: Layer[] = [];
  const file = flags.config ?? env.PERMAFROST_CONFIG;
  if (file) layers.push(readConfigFile(file, problems));
  layers.push(fromPairs(Object.entries(ENV_KEYS).map(([name, key]) => [key, env[name], `environment ${name}`])));
  layers.push(
    fromPairs(
      Object.entries(FLAG_KEYS)
        .filter((entry): entry is [string, string] => entry[1] !== null)
        .map(([flag, key]) => [key, flags[flag as keyof ConfigFlags], `--${kebab(flag)}`]),
    ),
  );
  const merged = layers.reduce<Layer>((acc, layer) => deepMerge(acc, layer), {});
  const config = withDefaults(coerce(merged, problems));
  problems.push(...listProblems(configSchema, config));
  if (config.database === 'sqlite::memory:' && Number(config.workers) > 1) {
    problems.push('workers: an in-memory database cannot be shared by several processes; use a file');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config as unknown as Config;
}

function readConfigFile(file: string, problems: string[]): Layer {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    problems.push(`config file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    return {};
  }
  try {
    const parsed: unknown = YAML.parse(text) ?? {};
    if (typeof parsed !== 'object' || Array.isArray(parsed)) {
      problems.push(`config file ${file}: must hold a mapping of settings`);
      return {};
    }
    return parsed as Layer;
  } catch (err) {
    problems.push(`config file ${file}: ${(err as Error).message.split('\n')[0]}`);
    return {};
  }
}

/** Turns [dotted key, raw string value] pairs into a nested layer, skipping unset values. */
function fromPairs(pairs: Array<[string, unknown, string]>): Layer {
  const layer: Layer = {};
  for (const [key, value] of pairs) {
    if (value === undefined || value === '') continue;
    const parts = key.split('.');
    let node = layer;
    for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Layer;
    node[parts[parts.length - 1]] = value;
  }
  return layer;
}

/** Environment and flags arrive as strings: convert the few non-string settings. */
function coerce(layer: Layer, problems: string[]): Layer {
  const out: Layer = { ...layer };
  if (typeof out.body_limit === 'string') {
    const n = bytes.parse(out.body_limit);
    if (n === null || Number.isNaN(n)) problems.push(`body_limit: '${out.body_limit}' is not a size such as 25mb`);
    else out.body_limit = n;
  }
  if (typeof out.request_timeout_ms === 'string' && /^\d+$/.test(out.request_timeout_ms)) out.request_timeout_ms = Number(out.request_timeout_ms);
  if (out.workers === 'auto') out.workers = os.availableParallelism();
  else if (typeof out.workers === 'string' && /^\d+$/.test(out.workers)) out.workers = Number(out.workers);
  if (typeof out.access_log === 'string') out.access_log = /^(1|true|yes|on)$/i.test(out.access_log);
  if (typeof out.api_versions === 'string') out.api_versions = splitList(out.api_versions);
  const noauth = out.noauth as Layer | undefined;
  if (noauth && typeof noauth.roles === 'string') out.noauth = { ...noauth, roles: splitList(noauth.roles) };
  return out;
}

function withDefaults(layer: Layer): Layer {
  const dataDir = path.resolve(String(layer.data_dir ?? 'data'));
  const noauth = (layer.noauth ?? {}) as Layer;
  const sqlite = (layer.sqlite ?? {}) as Layer;
  return {
    bind: '127.0.0.1:9090',
    auth: 'noauth',
    api_versions: ['v1', 'v2'],
    body_limit: 25 * 1024 * 1024,
    request_timeout_ms: 60_000,
    workers: 1,
    log_level: 'info',
    access_log: false,
    healthcheck_disable_file: path.join(dataDir, 'healthcheck_disable'),
    ...layer,
    data_dir: dataDir,
    database: layer.database ?? `sqlite:${path.join(dataDir, 'permafrost.db')}`,
    sqlite: { synchronous: 'NORMAL', cache_mb: 64, ...sqlite },
    noauth: {
      user_id: 'noauth-user',
      project_id: 'noauth-project',
      roles: ['member'],
      ...noauth,
      user_name: noauth.user_name ?? noauth.user_id ?? 'noauth-user',
    },
  };
}

function deepMerge(base: Layer, over: Layer): Layer {
  const out: Layer = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const prev = out[key];
    out[key] = isPlainObject(prev) && isPlainObject(value) ? deepMerge(prev, value) : value;
  }
  return out;
}

function isPlainObject(v: unknown): v is Layer {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function splitList(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter(Boolean);
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
