import { readExecOptions } from '../agent/actions/exec-options';
import type { JobDoc } from '../agent/freezer-api';
import { jobActionsOf } from '../agent/run-actions';
import { adminOptions, backupOptions, restoreOptions, type CommonOptions } from '../engine/options/fs-options';
import { DEFAULT_COMPRESSION, isCompression, type Compression } from '../engine/pipeline/compressors';

/** A file an action reads before it starts (key files), with the option that names it. */
export interface NeededFile {
  option: string;
  jobs: Set<string>;
}

/** An SSH storage host the jobs store on, reached with ssh2 (no `ssh` program). */
export interface NeededHost {
  host: string;
  port: number;
  timeoutMs: number;
  jobs: Set<string>;
}

export interface ActionProblem {
  job: string;
  index: number;
  kind: string;
  message: string;
}

/**
 * What the jobs of this host need from it, each with the jobs that need it (labels such as
 * `job 5f3e`), so a missing piece is reported with who needs it.
 */
export interface JobNeeds {
  /** Jobs with a backup or restore (they run `tar`). */
  tar: Set<string>;
  compressions: Map<Compression, Set<string>>;
  /** Programs exec actions start: a name looked up on PATH, or a path (`/bin/sh` with shell: true). */
  programs: Map<string, Set<string>>;
  /** Path -> the file and who reads it. */
  files: Map<string, NeededFile>;
  /** `user@host:port` -> the host. */
  hosts: Map<string, NeededHost>;
  /** Jobs with an exec action on an agent started with --disable-exec (they end fail). */
  execDisabled: Set<string>;
  /** Actions whose options the engine refuses, with its message. */
  problems: ActionProblem[];
}

/**
 * What `jobs` need from the host, derived with the engine's own option parsing (so defaults such
 * as the compression, the ssh key and port are the ones a run would use). Pure: nothing is read
 * or looked up here.
 */
export function jobNeeds(jobs: readonly JobDoc[], opts: { disableExec: boolean }): JobNeeds {
  const needs: JobNeeds = { tar: new Set(), compressions: new Map(), programs: new Map(), files: new Map(), hosts: new Map(), execDisabled: new Set(), problems: [] };
  for (const job of jobs) {
    const label = `job ${String(job.job_id)}`;
    for (const [index, action] of jobActionsOf(job).entries()) {
      const kind = String(action.freezer_action.action ?? '');
      try {
        addAction(needs, label, kind, action.freezer_action, opts.disableExec);
      } catch (err) {
        needs.problems.push({ job: label, index, kind, message: (err as Error).message });
      }
    }
  }
  return needs;
}

function addAction(needs: JobNeeds, label: string, kind: string, fa: Record<string, unknown>, disableExec: boolean): void {
  switch (kind) {
    case 'backup': {
      const o = backupOptions(fa);
      needs.tar.add(label);
      add(needs.compressions, o.compression, label);
      addCommon(needs, label, o, true);
      return;
    }
    case 'restore': {
      const o = restoreOptions(fa);
      needs.tar.add(label);
      add(needs.compressions, restoreCompression(fa), label);
      addCommon(needs, label, o, true);
      return;
    }
    case 'admin':
      addCommon(needs, label, adminOptions(fa), false);
      return;
    case 'exec':
      addExec(needs, label, fa, disableExec);
      return;
    default:
      // info needs nothing of the host; an unknown action is the policy check's to report.
      return;
  }
}

/**
 * A restore decompresses with the compression recorded in the backup, which only the storage
 * knows. Restore jobs usually carry the backup job's options (action_defaults), so their
 * `compression` is the best guess; else the default, which is also what stock backups without a
 * recorded compression use.
 */
function restoreCompression(fa: Record<string, unknown>): Compression {
  const named = typeof fa.compression === 'string' ? fa.compression.trim() : '';
  return isCompression(named) ? named : DEFAULT_COMPRESSION;
}

function addCommon(needs: JobNeeds, label: string, o: CommonOptions, encrypts: boolean): void {
  // Encryption runs inside the agent (Node's crypto, both formats): no openssl program, only the key file.
  if (encrypts && o.passFile !== null) addFile(needs, o.passFile, 'encrypt_pass_file', label);
  const ssh = o.storage.ssh;
  if (!ssh) return;
  // storageOptions always sets the port and the timeout; the type only says they may be absent.
  const port = ssh.port ?? 22;
  const key = `${ssh.username}@${ssh.host}:${port}`;
  const host = needs.hosts.get(key) ?? { host: ssh.host, port, timeoutMs: ssh.timeoutMs ?? 30_000, jobs: new Set<string>() };
  host.jobs.add(label);
  needs.hosts.set(key, host);
  // With a password the key file is optional (the engine then tries it only when it exists).
  if (!ssh.password && ssh.keyFile) addFile(needs, ssh.keyFile, 'ssh_key', label);
}

function addExec(needs: JobNeeds, label: string, fa: Record<string, unknown>, disableExec: boolean): void {
  if (disableExec) {
    needs.execDisabled.add(label);
    return;
  }
  const exec = readExecOptions(fa, null);
  if (typeof exec === 'string') throw new Error(exec);
  // Each stage is started directly (spawn without a shell), /bin/sh itself with shell: true.
  for (const argv of exec.stages) add(needs.programs, argv[0], label);
}

function addFile(needs: JobNeeds, file: string, option: string, label: string): void {
  const entry = needs.files.get(file) ?? { option, jobs: new Set<string>() };
  entry.jobs.add(label);
  needs.files.set(file, entry);
}

function add<K>(map: Map<K, Set<string>>, key: K, label: string): void {
  const set = map.get(key) ?? new Set<string>();
  set.add(label);
  map.set(key, set);
}
