import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * The agent's `allowed_paths`: the trees a job may make it read from or write to. Both the path a
 * job names and each allowed root are compared by their real paths (symlinks and `..` resolved
 * as the kernel will resolve them), so a link inside an allowed tree that points out of it, or
 * `/srv/../etc`, does not pass.
 */
export class AllowedPaths {
  constructor(private readonly roots: readonly string[]) {}

  /** The allowed root that holds `target`, or null (also when `target` cannot be resolved). */
  async rootOf(target: string): Promise<string | null> {
    const real = await realPathOf(path.resolve(target)).catch(() => null);
    if (real === null) return null;
    for (const root of this.roots) {
      const realRoot = await realPathOf(root).catch(() => null);
      if (realRoot !== null && isWithin(real, realRoot)) return root;
    }
    return null;
  }

  describe(): string {
    return this.roots.length === 0 ? 'none' : this.roots.join(', ');
  }
}

/**
 * The real path of `absolute`, which need not exist yet (a restore target): the longest existing
 * prefix is resolved by the kernel, the missing rest is appended, its `..` applied to the resolved
 * parent. Errors other than "does not exist" (a loop, no permission) propagate: such a path is
 * refused.
 */
export async function realPathOf(absolute: string): Promise<string> {
  try {
    return await fs.realpath(absolute);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
  }
  const parent = path.dirname(absolute);
  if (parent === absolute) return absolute;
  const realParent = await realPathOf(parent);
  const base = path.basename(absolute);
  if (base === '..') return path.dirname(realParent);
  return base === '.' ? realParent : path.join(realParent, base);
}

function isWithin(real: string, root: string): boolean {
  return real === root || real.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}
