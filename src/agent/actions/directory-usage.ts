import { promises as fs } from 'node:fs';
import path from 'node:path';

export interface DirectoryUsage {
  bytes: number;
  files: number;
}

/** lstat calls in flight at once: enough to be quick, few enough not to exhaust file handles. */
const STAT_BATCH = 64;

/**
 * Total size and count of the regular files under `root`, or null if `root` does not exist.
 * Symlinks are neither followed nor counted (a link could point back up the tree or at another
 * disk); `root` itself may be a link to a directory. Everything is asynchronous, so a large tree
 * does not block the event loop. Entries that vanish during the walk are skipped.
 */
export async function directoryUsage(root: string): Promise<DirectoryUsage | null> {
  const rootStat = await fs.stat(root).catch(ifMissing(null));
  if (rootStat === null) return null;
  if (!rootStat.isDirectory()) throw new Error(`${root} is not a directory`);
  const usage: DirectoryUsage = { bytes: 0, files: 0 };
  const dirs = [root];
  for (let dir = dirs.pop(); dir !== undefined; dir = dirs.pop()) {
    const entries = await fs.readdir(dir, { withFileTypes: true }).catch(ifMissing([]));
    const files: string[] = [];
    for (const entry of entries) {
      if (entry.isDirectory()) dirs.push(path.join(dir, entry.name));
      else if (entry.isFile()) files.push(path.join(dir, entry.name));
    }
    await addSizes(files, usage);
  }
  return usage;
}

async function addSizes(files: string[], usage: DirectoryUsage): Promise<void> {
  for (let i = 0; i < files.length; i += STAT_BATCH) {
    const stats = await Promise.all(files.slice(i, i + STAT_BATCH).map((file) => fs.lstat(file).catch(ifMissing(null))));
    for (const stat of stats) {
      if (stat === null || !stat.isFile()) continue;
      usage.bytes += stat.size;
      usage.files += 1;
    }
  }
}

/** A catch handler that turns ENOENT into `fallback` and rethrows anything else. */
function ifMissing<T>(fallback: T): (err: unknown) => T {
  return (err) => {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return fallback;
    throw err;
  };
}
