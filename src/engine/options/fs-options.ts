import os from 'node:os';
import path from 'node:path';
import { EngineError } from '../engine-error';
import { parseFreezerDate, type OptionValue } from '../chain';
import { COMPRESSIONS, compressionLevel, DEFAULT_COMPRESSION, type Compression } from '../pipeline/compressors';
import type { Dereference } from '../pipeline/tar-commands';
import type { StorageOptions } from '../storage/open-storage';
import { OptionReader } from './read-option';

export interface CommonOptions {
  engine: 'tar';
  backupName: string;
  hostname: string;
  storage: StorageOptions;
  dryRun: boolean;
  /** encrypt_pass_file */
  passFile: string | null;
}

export type EncryptionFormat = 'sealed' | 'openssl';

export interface BackupOptions extends CommonOptions {
  pathToBackup: string;
  compression: Compression;
  compressionLevel: number;
  encryptionFormat: EncryptionFormat;
  exclude: string | null;
  dereference: Dereference | null;
  levels: { noIncremental: OptionValue; maxLevel: OptionValue; alwaysLevel: OptionValue; restartAlwaysLevel: OptionValue };
}

export interface RestoreOptions extends CommonOptions {
  restoreAbsPath: string;
  restoreFromDate: number | null;
  overwrite: boolean;
  /** accept_unauthenticated: restore encrypted chains that carry no chain authentication (stock agent's). */
  acceptUnauthenticated: boolean;
}

export interface AdminOptions extends CommonOptions {
  removeOlderThan: OptionValue;
  removeFromDate: string | null;
}

const SUPPORTED_STORAGES = ['local', 'ssh'];

function absolute(name: string, value: string): string {
  if (!path.isAbsolute(value)) throw new EngineError(`${name} must be an absolute path, not ${JSON.stringify(value)}`);
  return path.normalize(value);
}

function home(file: string): string {
  return file.startsWith('~/') ? path.join(os.homedir(), file.slice(2)) : file;
}

function storageOptions(r: OptionReader): StorageOptions {
  const storage = r.text('storage') ?? 'swift';
  if (!SUPPORTED_STORAGES.includes(storage)) {
    throw new EngineError(`storage '${storage}' is not supported by this agent (use ${SUPPORTED_STORAGES.join(' or ')})`);
  }
  const container = r.required('container', `for ${storage} storage (the directory that holds the backups)`);
  if (storage === 'local') return { storage, container: absolute('container', container) };
  const port = r.number('ssh_port', true) ?? 22;
  if (port > 65535) throw new EngineError(`Invalid value for ssh_port: ${port}`);
  return {
    storage,
    container,
    ssh: {
      host: r.required('ssh_host', 'for ssh storage'),
      port,
      username: r.required('ssh_username', 'for ssh storage'),
      keyFile: home(r.text('ssh_key') ?? '~/.ssh/id_rsa'),
      password: r.text('ssh_password') ?? undefined,
      knownHostsFile: home(r.text('ssh_known_hosts') ?? '~/.ssh/known_hosts'),
      acceptUnknownHost: r.flag('ssh_accept_unknown_host'),
      timeoutMs: (r.number('ssh_timeout', false) ?? 30) * 1000,
    },
  };
}

function commonOptions(r: OptionReader, action: string): CommonOptions {
  const mode = r.text('mode') ?? 'fs';
  if (mode !== 'fs') throw new EngineError(`mode '${mode}' is not supported by this agent: it backs up files and directories (mode fs)`);
  const engine = r.text('engine_name') ?? 'tar';
  if (engine !== 'tar') throw new EngineError(`engine '${engine}' is not supported by this agent (tar)`);
  const backupName = r.required('backup_name', `for ${action}`);
  const hostname = r.text('hostname') ?? os.hostname();
  for (const [name, value] of [['backup_name', backupName], ['hostname', hostname]]) {
    // Both become one path component on the storage.
    if (value.includes('/') || value === '.' || value === '..') throw new EngineError(`${name} must not contain '/' or be '.' or '..'`);
  }
  const passFile = r.text('encrypt_pass_file');
  return {
    engine: 'tar',
    backupName,
    hostname,
    storage: storageOptions(r),
    dryRun: r.flag('dry_run'),
    passFile: passFile === null ? null : home(passFile),
  };
}

export function backupOptions(action: Record<string, unknown>): BackupOptions {
  const r = new OptionReader(action);
  const common = commonOptions(r, 'backup');
  const compression = r.oneOf<Compression>('compression', COMPRESSIONS, DEFAULT_COMPRESSION);
  const levels = {
    noIncremental: r.raw('no_incremental'),
    maxLevel: r.raw('max_level'),
    alwaysLevel: r.raw('always_level'),
    restartAlwaysLevel: r.raw('restart_always_level'),
  };
  // Checked here so a bad value fails before anything runs (nextLevel reads them again).
  const levelSet = r.number('max_level', true) !== null || r.number('always_level', true) !== null;
  r.number('restart_always_level', false);
  // Stock segment size for object stores (swift, s3); local and SFTP files are written as one
  // stream, so it is only checked.
  r.number('max_segment_size', true);
  // Silently skipping these would leave the operator believing in a snapshot or a checksum.
  if (r.flag('snapshot')) throw new EngineError('snapshot (LVM/VSS) is not supported by this agent; back up a snapshot you mount yourself');
  if (r.flag('consistency_check')) throw new EngineError('consistency_check is not supported by this agent (restore verifies the stored data instead)');
  if (r.flag('no_incremental') && levelSet) throw new EngineError('no_incremental cannot be used together with max_level or always_level');
  return {
    ...common,
    pathToBackup: absolute('path_to_backup', r.required('path_to_backup', 'for a backup')),
    compression,
    compressionLevel: compressionLevel(compression, r.number('compression_level', true)),
    encryptionFormat: r.oneOf<EncryptionFormat>('encryption_format', ['sealed', 'openssl'], 'sealed'),
    exclude: r.text('exclude'),
    dereference: (r.text('dereference_symlink') === null ? null : r.oneOf<Dereference>('dereference_symlink', ['soft', 'hard', 'all'], 'soft')),
    levels,
  };
}

export function restoreOptions(action: Record<string, unknown>): RestoreOptions {
  const r = new OptionReader(action);
  const common = commonOptions(r, 'restore');
  if (r.text('consistency_checksum') !== null) {
    throw new EngineError('consistency_checksum is not supported by this agent (restore verifies the stored data instead)');
  }
  const date = r.text('restore_from_date');
  let restoreFromDate: number | null = null;
  try {
    restoreFromDate = date === null ? null : parseFreezerDate('restore_from_date', date);
  } catch (err) {
    throw new EngineError((err as Error).message);
  }
  return {
    ...common,
    restoreAbsPath: absolute('restore_abs_path', r.required('restore_abs_path', 'for a restore (the directory to restore into)')),
    restoreFromDate,
    overwrite: r.flag('overwrite'),
    acceptUnauthenticated: r.flag('accept_unauthenticated'),
  };
}

export function adminOptions(action: Record<string, unknown>): AdminOptions {
  const r = new OptionReader(action);
  return { ...commonOptions(r, 'admin'), removeOlderThan: r.raw('remove_older_than'), removeFromDate: r.text('remove_from_date') };
}
