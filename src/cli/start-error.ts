import type { Config } from '../config/config';
import { redactCredentials } from '../store/redact-credentials';

interface SystemError extends Error {
  code?: string;
  path?: string;
  syscall?: string;
}

/** What to do about each file system failure, for the path it hit. */
const FILE_FIXES: Record<string, (path: string) => string> = {
  EACCES: (p) => `permission denied on ${p}; make it writable by this user (chown/chmod), or choose another place with --data-dir (PERMAFROST_DATA_DIR)`,
  EPERM: (p) => `operation not permitted on ${p}; make it owned by this user, or choose another place with --data-dir (PERMAFROST_DATA_DIR)`,
  EROFS: (p) => `${p} is on a read-only file system; choose a writable place with --data-dir (PERMAFROST_DATA_DIR)`,
  ENOSPC: (p) => `no space left on the device holding ${p}; free some space or choose another --data-dir`,
  ENOTDIR: (p) => `${p} is not a directory (or a part of its path is a file); fix --data-dir or --database`,
  EISDIR: (p) => `${p} is a directory where a file was expected; fix --database`,
  ENOENT: (p) => `${p} does not exist; create its parent directory or fix the path`,
};

/**
 * One line for a failed start: the path or address, the cause and the fix. The stack trace is
 * for developers (the caller logs it at debug level).
 */
export function describeStartError(err: unknown, config: Pick<Config, 'bind' | 'database' | 'data_dir'>): string {
  const e = (err instanceof Error ? err : new Error(String(err))) as SystemError;
  const code = e.code ?? '';
  if (e.syscall === 'listen' || e.syscall === 'bind') return describeListenError(code, config.bind, e.message);
  const fix = FILE_FIXES[code];
  if (fix && e.path) return fix(e.path);
  if (code.startsWith('SQLITE_')) return describeSqliteError(code, config.database, e.message);
  return redactCredentials(e.message).split('\n')[0];
}

function describeListenError(code: string, bind: string, message: string): string {
  if (code === 'EADDRINUSE') return `cannot listen on ${bind}: the address is already in use (is another Permafrost running?); stop it or choose another with --bind (PERMAFROST_BIND)`;
  if (code === 'EACCES') return `cannot listen on ${bind}: permission denied (ports below 1024 need privileges); choose a port from 1024 up with --bind (PERMAFROST_BIND)`;
  if (code === 'EADDRNOTAVAIL') return `cannot listen on ${bind}: that address is not one of this machine's; use one of its addresses (or 127.0.0.1) with --bind (PERMAFROST_BIND)`;
  return `cannot listen on ${bind}: ${message}`;
}

function describeSqliteError(code: string, database: string, message: string): string {
  const file = database.replace(/^sqlite:/, '');
  if (code === 'SQLITE_READONLY') return `the database ${file} cannot be written by this user or is on a read-only file system; fix its ownership and permissions or choose another with --database`;
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') return `${file} is not a usable SQLite database (${message}); check --database`;
  if (code === 'SQLITE_CANTOPEN') return `cannot open the database ${file}; check that its directory exists and is writable by this user`;
  if (code === 'SQLITE_FULL') return `no space left for the database ${file}; free some space`;
  return `database ${file}: ${message}`;
}
