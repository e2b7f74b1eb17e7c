/** Where backups are kept: a local directory or a directory on an ssh server (SFTP). */
export type { BackupStorage, StorageStat } from './backup-storage';
export { fingerprintOf, hostKeyVerdict, knownKeyTypes, type HostKeyVerdict } from './known-hosts';
export { LocalStorage } from './local-storage';
export { openStorage, type StorageOptions } from './open-storage';
export { SftpStorage, type SftpOptions } from './sftp-storage';
