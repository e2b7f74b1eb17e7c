import fs from 'node:fs';
import path from 'node:path';

export interface TreeEstimate {
  bytes: number;
  files: number;
}

/**
 * What a backup of `root` will read: regular files and their sizes, on root's file system only
 * (tar runs with --one-file-system). With `sinceS` (an incremental), only files changed at or
 * after that time count, as tar's listed-incremental mode decides by mtime and ctime. An
 * estimate: exclude patterns and files changing meanwhile are ignored. Synchronous on purpose: it
 * runs in a worker thread (estimate-tree.ts), where sync calls cost a tenth of async ones.
 */
export function walkTree(root: string, sinceS: number | null): TreeEstimate {
  const total: TreeEstimate = { bytes: 0, files: 0 };
  const top = fs.lstatSync(root);
  const count = (st: fs.Stats) => {
    if (sinceS !== null && Math.max(st.mtimeMs, st.ctimeMs) < sinceS * 1000) return;
    total.bytes += st.size;
    total.files += 1;
  };
  const pending = [root];
  if (!top.isDirectory()) {
    if (top.isFile()) count(top);
    return total;
  }
  while (pending.length > 0) {
    const dir = pending.pop()!;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      if (!entry.isDirectory() && !entry.isFile()) continue;
      const full = path.join(dir, entry.name);
      const st = fs.lstatSync(full, { throwIfNoEntry: false });
      if (!st || st.dev !== top.dev) continue;
      if (entry.isDirectory()) pending.push(full);
      else count(st);
    }
  }
  return total;
}
