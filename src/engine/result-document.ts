import os from 'node:os';
import { permafrostVersion } from '../version';
import type { BackupOptions } from './options/fs-options';


function orEmpty(value: unknown): unknown {
  return value === null || value === undefined || value === false || value === '' ? '' : value;
}

/**
 * The backup result document (spec C.10) that the agent posts to /backups: the stock keys, with
 * unset values as "", and the real level ([REC]: the stock agent always reports 0). Our own
 * figures go under `permafrost`.
 */
export function resultDocument(
  action: Record<string, unknown>,
  opts: BackupOptions,
  done: { level: number; t0: number; ts: number; timeStamp: number; storedBytes: number; files: number; seconds: number },
): Record<string, unknown> {
  const ssh = opts.storage.ssh;
  return {
    curr_backup_level: done.level,
    fs_real_path: opts.pathToBackup,
    vol_snap_path: opts.pathToBackup,
    client_os: os.platform(),
    client_version: `permafrost-${permafrostVersion()}`,
    time_stamp: done.timeStamp,
    action: 'backup',
    always_level: orEmpty(action.always_level),
    backup_media: 'fs',
    backup_name: opts.backupName,
    container: opts.storage.container,
    container_segments: '',
    dry_run: '',
    hostname: opts.hostname,
    path_to_backup: opts.pathToBackup,
    max_level: orEmpty(action.max_level),
    mode: 'fs',
    log_file: orEmpty(action.log_file),
    storage: opts.storage.storage,
    proxy: orEmpty(action.proxy),
    compression: opts.compression,
    ssh_key: ssh?.keyFile ?? orEmpty(action.ssh_key),
    ssh_username: ssh?.username ?? '',
    ssh_host: ssh?.host ?? '',
    ssh_port: ssh?.port ?? 22,
    consistency_checksum: '',
    engine_name: 'tar',
    encryption: opts.passFile !== null,
    permafrost: {
      t0: done.t0,
      ts: done.ts,
      stored_bytes: done.storedBytes,
      files: done.files,
      seconds: done.seconds,
      encryption_format: opts.passFile ? opts.encryptionFormat : null,
    },
  };
}
