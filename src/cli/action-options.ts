import { EngineError } from '../engine';
import { adminOptions, backupOptions, restoreOptions } from '../engine/options/fs-options';
import { KNOWN_OPTIONS, flagStyle, isUnsupportedOption, unknownOptionProblems, unsupportedOptionProblems } from '../engine/options/option-names';

/** A mistake on the command line (status 2), as opposed to a run that failed (status 1). */
export class UsageError extends Error {}

export const CLI_ACTIONS = ['backup', 'restore', 'admin'] as const;
export type CliAction = (typeof CLI_ACTIONS)[number];

/** Options that may stand alone (`--overwrite`); a following true/false/yes/1 is taken as their value. */
const FLAGS = new Set([
  'overwrite', 'dry_run', 'no_incremental', 'ssh_accept_unknown_host', 'snapshot', 'consistency_check', 'sync', 'quiet',
  'insecure', 'max_priority', 'vssadmin', 'shell', 'incremental',
]);
const FLAG_VALUES = new Set(['true', 'false', 'yes', '1']);

/** Options that only mean something for some actions: elsewhere they are a mistake worth naming. */
const ONLY_FOR: Record<string, readonly CliAction[]> = {
  path_to_backup: ['backup'],
  max_level: ['backup'],
  always_level: ['backup'],
  restart_always_level: ['backup'],
  no_incremental: ['backup'],
  compression: ['backup'],
  compression_level: ['backup'],
  encryption_format: ['backup'],
  exclude: ['backup'],
  dereference_symlink: ['backup'],
  snapshot: ['backup'],
  max_segment_size: ['backup'],
  sync: ['backup'],
  consistency_check: ['backup'],
  restore_abs_path: ['restore'],
  restore_from_date: ['restore'],
  overwrite: ['restore'],
  accept_unauthenticated: ['restore'],
  consistency_checksum: ['restore'],
  remove_older_than: ['admin'],
  remove_from_date: ['admin'],
  encrypt_pass_file: ['backup', 'restore'],
};

/** Known job keys that have no place on this command line, and why. */
const NOT_HERE: Record<string, string> = {
  action: 'the action is the first argument (backup, restore or admin)',
  command: 'exec actions run only in the agent',
  shell: 'exec actions run only in the agent',
  timeout: 'it limits exec actions, which run only in the agent',
  mandatory: 'it is a setting of a job action in the agent',
  max_retries: 'it is a setting of a job action in the agent',
  max_retries_interval: 'it is a setting of a job action in the agent',
  priority: 'it is a field of the stock API, not an option',
  quiet: 'use --log-level fatal',
};

/**
 * `--path-to-backup /src --max-level 3 --overwrite` -> {path_to_backup: '/src', max_level: '3',
 * overwrite: 'true'}: the freezer-agent option names, values as strings like an INI file's. A word
 * that is not the value of an option is refused, never dropped.
 */
export function freezerOptionsOf(args: string[]): Record<string, string> {
  const options: Record<string, string> = Object.create(null) as Record<string, string>;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('--') || arg === '--') throw new UsageError(`unexpected argument ${JSON.stringify(arg)}: options look like --name value`);
    const eq = arg.indexOf('=');
    const name = (eq < 0 ? arg.slice(2) : arg.slice(2, eq)).replaceAll('-', '_');
    if (Object.hasOwn(options, name)) throw new UsageError(`option ${flagStyle(name)} is given twice`);
    const next = args[i + 1];
    if (eq >= 0) options[name] = arg.slice(eq + 1);
    else if (FLAGS.has(name)) options[name] = next !== undefined && FLAG_VALUES.has(next.toLowerCase()) ? args[++i] : 'true';
    else if (next !== undefined && !next.startsWith('--')) options[name] = args[++i];
    else throw new UsageError(`option ${flagStyle(name)} needs a value`);
  }
  return { ...options };
}

const PARSERS: Record<CliAction, (options: Record<string, unknown>) => unknown> = {
  backup: backupOptions,
  restore: restoreOptions,
  admin: adminOptions,
};

/**
 * Everything that can be said about the options before anything runs: names unknown (with a
 * suggestion), out of place for the action or not supported, then the values themselves, read as
 * the run will read them. Throws one UsageError listing every name problem, or the first value one.
 */
export function checkActionOptions(action: CliAction, options: Record<string, string>): void {
  const keys = Object.keys(options);
  const problems = unknownOptionProblems(keys, flagStyle);
  for (const key of keys) {
    if (Object.hasOwn(NOT_HERE, key)) problems.push(`${flagStyle(key)} does not belong here: ${NOT_HERE[key]}`);
    const only = Object.hasOwn(ONLY_FOR, key) ? ONLY_FOR[key] : null;
    if (only && !only.includes(action)) problems.push(`${flagStyle(key)} makes no sense for ${action} (only for ${only.join(' and ')})`);
  }
  problems.push(...unsupportedOptionProblems(options, flagStyle));
  if (problems.length > 0) throw new UsageError(problems.join('; '));
  try {
    PARSERS[action]({ ...options, action });
  } catch (err) {
    if (err instanceof EngineError) throw new UsageError(err.message);
    throw err;
  }
}

/**
 * Options the engine cannot run without (fs-options.ts reads them as required): for every action,
 * for one action, and for ssh storage. test/unit/cli/action-options-help checks the engine agrees.
 */
export const REQUIRED_OPTIONS = {
  every: ['container', 'backup_name'],
  backup: ['path_to_backup'],
  restore: ['restore_abs_path'],
  admin: [],
  ssh: ['ssh_host', 'ssh_username'],
} as const satisfies Record<CliAction | 'every' | 'ssh', readonly string[]>;

/** Options of the command itself (`--log-level`, `--metadata-out`): not freezer options here. */
const OWN_OPTIONS = new Set(['log_level', 'metadata_out']);

/** Stock options the engine refuses whenever they are set (fs-options.ts): no use listing them. */
export const REFUSED_WHEN_SET = ['snapshot', 'consistency_check', 'consistency_checksum'] as const;

/**
 * The freezer-agent options this command takes, by action, for its help: every known option
 * (schemas/freezer_action_options.json) that has a place on this command line and is supported,
 * the required ones marked.
 */
export function actionOptionsHelp(): string {
  const taken = [...KNOWN_OPTIONS].filter((n) => n !== 'action' && !Object.hasOwn(NOT_HERE, n) && !isUnsupportedOption(n) && !OWN_OPTIONS.has(n) && !(REFUSED_WHEN_SET as readonly string[]).includes(n));
  const required = new Set<string>([...REQUIRED_OPTIONS.every, ...REQUIRED_OPTIONS.backup, ...REQUIRED_OPTIONS.restore]);
  const ssh = new Set<string>(REQUIRED_OPTIONS.ssh);
  const shown = (name: string) => `${flagStyle(name)}${required.has(name) ? ' (required)' : ssh.has(name) ? ' (required with --storage ssh)' : ''}`;
  const groups = new Map<string, string[]>([['every action', []], ...CLI_ACTIONS.map((a): [string, string[]] => [a, []])]);
  for (const name of taken) {
    const group = Object.hasOwn(ONLY_FOR, name) ? ONLY_FOR[name].join(' and ') : 'every action';
    groups.set(group, [...(groups.get(group) ?? []), shown(name)]);
  }
  const lines = [...groups].filter(([, names]) => names.length > 0).map(([group, names]) => `${group}: ${names.join(', ')}`);
  return ['freezer-agent options, as --name value (a flag such as --overwrite stands alone)', ...lines].join('\n');
}
