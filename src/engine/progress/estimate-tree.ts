import fs from 'node:fs/promises';
import path from 'node:path';

export interface TreeEstimate {
  bytes: number;
  files: number;
}

/**
 * What a backup of `root` will read, for the progress estimate: regular files and their sizes,
 * on root's file system only (tar runs with --one-file-system). With `sinceS` (an incremental),
 * only files changed at or after that time count, as tar's listed-incremental mode decides by
 * mtime and ctime. It is an estimate: exclude patterns and files changing meanwhile are ignored.
 */
export async function estimateTree(root: string, sinceS: number | null, signal: AbortSignal): Promise<TreeEstimate> {
  const top = await fs.lstat(root);
  const total: TreeEstimate = { bytes: 0, files: 0 };
  const count = (st: { size: number; mtimeMs: number; ctimeMs: number }) => {
    if (sinceS !== null && Math.max(st.mtimeMs, st.ctimeMs) < sinceS * 1000) return;
    total.bytes += st.size;
    total.files += 1;
  };
  if (!top.isDirectory()) {
    if (top.isFile()) count(top);
    return total;
  }
  const walk = async (dir: string): Promise<void> => {
    if (signal.aborted) return;
    const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
    const subdirs: string[] = [];
    await Promise.all(entries.map(async (entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) subdirs.push(full);
      else if (entry.isFile()) {
        const st = await fs.lstat(full).catch(() => null);
        if (st && st.dev === top.dev) count(st);
      }
    }));
    for (const sub of subdirs) {
      const st = await fs.lstat(sub).catch(() => null);
      if (st && st.dev === top.dev) await walk(sub);
    }
  };
  await walk(root);
  return total;
}
