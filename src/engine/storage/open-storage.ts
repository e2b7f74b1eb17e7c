import { EngineError } from '../engine-error';
import type { BackupStorage } from './backup-storage';
import { LocalStorage } from './local-storage';
import type { SftpOptions, SftpStorage } from './sftp-storage';

export interface StorageOptions {
  /** Freezer's `storage` option. */
  storage: string;
  /** Freezer's `container`: the directory holding the backups (paths given to the storage include it). */
  container: string;
  ssh?: SftpOptions;
}

/** Enough of a pino logger to warn. */
export interface StorageLog {
  warn(obj: object, msg: string): void;
}

const SUPPORTED = ['local', 'ssh'];

/**
 * The storage an action names, connected and ready; the caller closes it. With `log`, a host let in
 * by ssh_accept_unknown_host is reported with its key fingerprint (the operator should check it).
 */
export async function openStorage(opts: StorageOptions, log?: StorageLog): Promise<BackupStorage> {
  if (!SUPPORTED.includes(opts.storage)) {
    throw new EngineError(`storage '${opts.storage}' is not supported by this agent (${SUPPORTED.join(', ')})`);
  }
  if (typeof opts.container !== 'string' || opts.container.trim() === '') {
    throw new EngineError(`container: the ${opts.storage} storage needs the directory that holds the backups`);
  }
  if (opts.storage === 'local') return new LocalStorage();
  if (!opts.ssh) throw new EngineError('ssh_host: the ssh storage needs the host name or address of the server');
  // ssh2 is loaded only for ssh storage: local runs should not pay for loading it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { SftpStorage: Sftp } = require('./sftp-storage') as { SftpStorage: typeof SftpStorage };
  const storage = await Sftp.open(opts.ssh);
  if (storage.unknownHostAccepted) {
    log?.warn({ host: opts.ssh.host, port: opts.ssh.port ?? 22, fingerprint: storage.hostKeyFingerprint }, 'ssh storage: accepted a host that is not in known_hosts');
  }
  return storage;
}
