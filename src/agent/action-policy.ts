import path from 'node:path';
import { EngineError } from '../engine';
import { adminOptions, backupOptions, restoreOptions, type CommonOptions } from '../engine/options/fs-options';
import { isUnsetValue, unknownActionProblem, unknownOptionProblems, unsupportedOptionProblems } from '../engine/options/option-names';
import { AllowedPaths } from './allowed-paths';
import { REDACTED } from './job-cache';

/** A local path a job names, with the option it came from. */
interface NamedPath {
  option: string;
  path: string;
}

/**
 * What the agent checks in a freezer_action before it touches anything (no process started, no
 * storage opened, no directory created): every key and the action name are known (with a "did
 * you mean" for a typo), no stock option asks for something this agent does not do, no value is
 * a secret the job cache redacted, and, with `allowed_paths`, every local path the action would
 * read or write resolves inside them.
 */
export class ActionPolicy {
  private readonly allowed: AllowedPaths | null;

  constructor(opts: { allowedPaths: readonly string[] | null }) {
    this.allowed = opts.allowedPaths === null ? null : new AllowedPaths(opts.allowedPaths);
  }

  /** Jobs are confined to allowed_paths (restores then refuse setuid files and devices). */
  get confined(): boolean {
    return this.allowed !== null;
  }

  /** Why the action must not run, or null. */
  async refusal(freezerAction: Record<string, unknown>): Promise<string | null> {
    return namesProblem(freezerAction) ?? (await this.pathsProblem(freezerAction));
  }

  private async pathsProblem(fa: Record<string, unknown>): Promise<string | null> {
    if (this.allowed === null) return null;
    let named: NamedPath[];
    try {
      named = namedPaths(fa);
    } catch (err) {
      // The options themselves are wrong: the same message the run would give, before it starts.
      if (err instanceof EngineError) return `${String(fa.action)}: ${err.message}`;
      throw err;
    }
    for (const { option, path: target } of named) {
      if ((await this.allowed.rootOf(target)) === null) {
        return `${option} ${target} is outside the agent's allowed_paths (${this.allowed.describe()})`;
      }
    }
    return null;
  }
}

function namesProblem(fa: Record<string, unknown>): string | null {
  const problems = [unknownActionProblem(fa.action), ...unknownOptionProblems(Object.keys(fa)), ...unsupportedOptionProblems(fa)];
  for (const [key, value] of Object.entries(fa)) {
    if (value === REDACTED) problems.push(`${key} holds the placeholder the agent writes into its job cache: put the real value into the job file`);
  }
  const found = problems.filter((p): p is string => p !== null);
  return found.length > 0 ? found.join('; ') : null;
}

/**
 * The local paths an action reads or writes, as the engine will use them (options parsed the
 * same way). `dereference_symlink` soft or all is refused outright: tar would follow any symlink
 * in the tree, wherever it points. exec is not limited: a command can do anything the agent's
 * user can (--disable-exec).
 */
function namedPaths(fa: Record<string, unknown>): NamedPath[] {
  switch (fa.action) {
    case 'backup': {
      const o = backupOptions(fa);
      if (o.dereference === 'soft' || o.dereference === 'all') {
        throw new EngineError(`dereference_symlink ${o.dereference} makes tar follow symlinks wherever they point: not allowed with the agent's allowed_paths`);
      }
      return [{ option: 'path_to_backup', path: o.pathToBackup }, ...commonPaths(fa, o)];
    }
    case 'restore': {
      const o = restoreOptions(fa);
      return [{ option: 'restore_abs_path', path: o.restoreAbsPath }, ...commonPaths(fa, o)];
    }
    case 'admin':
      return commonPaths(fa, adminOptions(fa));
    case 'info': {
      const storage = fa.storage ?? 'local';
      return storage === 'local' && typeof fa.container === 'string' ? [{ option: 'container', path: path.resolve(fa.container) }] : [];
    }
    default:
      return [];
  }
}

/** A local container, the passphrase file, and the ssh key files the job names (the defaults are the agent's own). */
function commonPaths(fa: Record<string, unknown>, o: CommonOptions): NamedPath[] {
  const named: NamedPath[] = [];
  if (o.storage.storage === 'local') named.push({ option: 'container', path: o.storage.container });
  if (o.passFile !== null) named.push({ option: 'encrypt_pass_file', path: o.passFile });
  const ssh = o.storage.ssh;
  if (ssh && !isUnsetValue(fa.ssh_key) && ssh.keyFile) named.push({ option: 'ssh_key', path: ssh.keyFile });
  if (ssh && !isUnsetValue(fa.ssh_known_hosts) && ssh.knownHostsFile) named.push({ option: 'ssh_known_hosts', path: ssh.knownHostsFile });
  return named;
}
