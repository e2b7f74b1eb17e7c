import fs from 'node:fs';
import path from 'node:path';

/** The database and its -wal and -shm companions (SQLite gives the companions the database file's mode). */
function databaseFiles(file: string): string[] {
  return [file, `${file}-wal`, `${file}-shm`];
}

/**
 * Creates an empty database file readable by its owner only, whatever the umask (SQLite would
 * create it 0644 minus the umask), in a directory created 0700 if missing. An existing file is
 * left as it is (see tightenDatabaseFiles).
 */
export function createDatabaseFile(file: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw err;
  }
  try {
    fs.fchmodSync(fd, 0o600);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Every tenant's documents and the password hashes live in these files: a database made by an
 * older Permafrost, or copied in with a loose umask, is made owner-only before it is opened.
 */
export function tightenDatabaseFiles(file: string): void {
  for (const f of databaseFiles(file)) {
    let mode: number;
    try {
      mode = fs.statSync(f).mode;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    if ((mode & 0o077) !== 0) fs.chmodSync(f, mode & 0o700);
  }
}
