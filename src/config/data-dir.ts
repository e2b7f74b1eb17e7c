import fs from 'node:fs';
import path from 'node:path';

export type DataDirState = 'created' | 'tightened' | 'private';

/**
 * The data directory holds the database, the token signing key and the first admin password:
 * it is made owner-only (0700), whatever the umask, and an existing one that group or others
 * can enter is tightened (the caller logs that it did). Only the commands that create a
 * deployment (`serve`, `db sync`) call this.
 */
export function ensurePrivateDataDir(dir: string): DataDirState {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    makePrivateDir(dir);
    return 'created';
  }
  if (!stat.isDirectory()) throw Object.assign(new Error(`${dir} is not a directory`), { code: 'ENOTDIR', path: dir });
  if ((stat.mode & 0o077) === 0) return 'private';
  fs.chmodSync(dir, stat.mode & 0o700);
  return 'tightened';
}

function makePrivateDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    // A recursive mkdir reports some failures (a read-only file system) as ENOENT: creating the
    // first missing level alone gives the real cause.
    let first = dir;
    while (!fs.existsSync(path.dirname(first))) first = path.dirname(first);
    fs.mkdirSync(first, { mode: 0o700 });
    throw err;
  }
  fs.chmodSync(dir, 0o700);
}
