import optionsSchema from '../../../schemas/freezer_action_options.json';
import { closestName } from '../../closest-name';

/**
 * Every freezer_action key Permafrost knows, and every action name: the one list, shared with the
 * API (schemas/freezer_action_options.json).
 */
export const KNOWN_OPTIONS: ReadonlySet<string> = new Set(Object.keys(optionsSchema.properties));
export const ACTIONS: readonly string[] = optionsSchema.properties.action.enum;

/**
 * Stock options this agent does not implement. Each is accepted only when unset or at the stock
 * default that asks for nothing (listed); any other value is refused, because ignoring it would
 * leave the job's author believing in a bandwidth limit, a proxy, a database lock, a snapshot...
 */
const UNSUPPORTED: Record<string, { what: string; defaults?: Array<string | number | boolean> }> = {
  lvm_srcvol: { what: 'LVM snapshots' },
  lvm_snapname: { what: 'LVM snapshots' },
  lvm_snapsize: { what: 'LVM snapshots', defaults: ['1G'] },
  lvm_snapperm: { what: 'LVM snapshots', defaults: ['ro'] },
  lvm_dirmount: { what: 'LVM snapshots' },
  lvm_volgroup: { what: 'LVM snapshots' },
  vssadmin: { what: 'Windows VSS snapshots' },
  rsync_block_size: { what: 'the rsync engines', defaults: [4096] },
  mysql_conf: { what: 'mode mysql' },
  sql_server_conf: { what: 'mode sqlserver' },
  log_file: { what: 'a log file per action: the agent logs to its own log, `permafrost action` to stderr' },
  metadata_out: { what: "a result file; the agent posts the result to the API (or use `permafrost action --metadata-out`)", defaults: ['-'] },
  max_priority: { what: 'raising the priority; run the agent itself with the priority you want' },
  proxy: { what: 'HTTP proxies (no storage of this agent uses HTTP)' },
  insecure: { what: 'skipping TLS verification (no storage of this agent uses TLS)' },
  upload_limit: { what: 'bandwidth limits', defaults: [-1] },
  download_limit: { what: 'bandwidth limits', defaults: [-1] },
  access_key: { what: 's3 storage' },
  secret_key: { what: 's3 storage' },
  endpoint: { what: 's3 storage' },
  region: { what: 's3 storage' },
  ftp_host: { what: 'ftp storage' },
  ftp_port: { what: 'ftp storage', defaults: [21] },
  ftp_username: { what: 'ftp storage' },
  ftp_password: { what: 'ftp storage' },
  ftp_keyfile: { what: 'ftps storage' },
  ftp_certfile: { what: 'ftps storage' },
  project_id: { what: 'the OpenStack modes' },
  nova_inst_id: { what: 'the OpenStack modes' },
  nova_inst_name: { what: 'the OpenStack modes' },
  nova_restore_network: { what: 'the OpenStack modes' },
  cinder_vol_id: { what: 'the OpenStack modes' },
  cinder_vol_name: { what: 'the OpenStack modes' },
  cindernative_vol_id: { what: 'the OpenStack modes' },
  cindernative_backup_id: { what: 'the OpenStack modes' },
  cinderbrick_vol_id: { what: 'the OpenStack modes' },
  incremental: { what: 'the OpenStack modes' },
  fullbackup_rotation: { what: 'the OpenStack modes', defaults: [1] },
  glance_image_id: { what: 'the OpenStack modes' },
  glance_image_name: { what: 'the OpenStack modes' },
  glance_image_name_filter: { what: 'the OpenStack modes' },
  os_identity_api_version: { what: 'the OpenStack modes' },
};

/** Whether `name` is a stock option this agent does not implement (accepted only unset or at its default). */
export function isUnsupportedOption(name: string): boolean {
  return Object.hasOwn(UNSUPPORTED, name);
}

/** How the stock agent spells "not set" (its INI defaults are None/False). */
export function isUnsetValue(value: unknown): boolean {
  if (value === undefined || value === null || value === false) return true;
  return typeof value === 'string' && ['', 'none', 'false'].includes(value.trim().toLowerCase());
}

/** How an option name is shown: `encrypt_pass_file` in a job, `--encrypt-pass-file` on the command line. */
export type NameStyle = (name: string) => string;
export const jobStyle: NameStyle = (name) => name;
export const flagStyle: NameStyle = (name) => `--${name.replaceAll('_', '-')}`;

/** Who wrote the options: a `permafrost action` command line, or a job (its freezer_action). */
export type OptionSurface = 'cli' | 'job';

/** How to turn a flag option on, as written where the options come from: `--overwrite` or `overwrite: true`. */
export function flagSetting(name: string, surface: OptionSurface): string {
  return surface === 'cli' ? flagStyle(name) : `${jobStyle(name)}: true`;
}

/** "unknown option X (did you mean Y?)" for each key not in the list, in the order given. */
export function unknownOptionProblems(keys: Iterable<string>, style: NameStyle = jobStyle): string[] {
  const problems: string[] = [];
  for (const key of keys) {
    if (KNOWN_OPTIONS.has(key)) continue;
    const near = closestName(key, KNOWN_OPTIONS);
    problems.push(`unknown option ${style(key)}${near ? ` (did you mean ${style(near)}?)` : ''}`);
  }
  return problems;
}

/** Why `action` is not an action this agent knows, with a suggestion; null when it is one. */
export function unknownActionProblem(action: unknown): string | null {
  if (typeof action === 'string' && ACTIONS.includes(action)) return null;
  if (isUnsetValue(action)) return `the action is missing (one of ${ACTIONS.join(', ')})`;
  const near = typeof action === 'string' ? closestName(action, ACTIONS) : null;
  return `unknown action ${JSON.stringify(action)}${near ? ` (did you mean ${near}?)` : ''}; this agent runs ${ACTIONS.join(', ')}`;
}

/** A stock option set to a value that asks for something this agent does not do. */
export function unsupportedOptionProblems(options: Record<string, unknown>, style: NameStyle = jobStyle): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(options)) {
    const rule = Object.hasOwn(UNSUPPORTED, key) ? UNSUPPORTED[key] : undefined;
    if (!rule || isUnsetValue(value) || isDefault(value, rule.defaults ?? [])) continue;
    const keep = rule.defaults?.length ? ` (or set it to ${rule.defaults[0]})` : '';
    problems.push(`${style(key)} is not supported by this agent (${rule.what}): remove it${keep}`);
  }
  return problems;
}

function isDefault(value: unknown, defaults: Array<string | number | boolean>): boolean {
  if (!['string', 'number', 'boolean'].includes(typeof value)) return false;
  const text = String(value).trim().toLowerCase();
  return defaults.some((d) => String(d).toLowerCase() === text);
}
