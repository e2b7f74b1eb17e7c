import { EngineError } from '../engine-error';

/** `./a//b/./c/` -> `a/b/c`: member names as the paths tar will create, for prefix comparisons. */
export function memberPath(name: string): string {
  return name.split('/').filter((part) => part !== '' && part !== '.').join('/');
}

/**
 * The symlinks a restore has created so far, across all its levels (and those already in a
 * target restored into with `overwrite`). GNU tar only defends against writing through a symlink
 * within one run: a later level (a separate tar run) with a member `link/file` would follow a
 * symlink that an earlier level left and write wherever it points. A real backup never has a
 * member below a symlink (tar does not descend into symlinks; a symlink that became a directory
 * comes back as a directory member first), so any such member is refused.
 */
export class LinkTracker {
  private readonly links = new Set<string>();

  /** Refuses `path` (a member name or a hard link target) when one of its parents is a symlink. */
  check(member: string, path: string, what: string): void {
    const parts = memberPath(path).split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      if (this.links.has(parent)) {
        throw new EngineError(`Refusing to restore: archive member "${member}" (${what}) lies below the symlink "${parent}", which tar would follow`);
      }
    }
  }

  /** After tar extracts a member: a symlink is remembered; anything else replaces one of that name. */
  record(name: string, type: string): void {
    const path = memberPath(name);
    if (type === '2') this.links.add(path);
    else this.links.delete(path);
  }

  /** A directory renamed by an incremental level carries the symlinks below it along. */
  rename(from: string, to: string): void {
    const src = memberPath(from);
    const dst = memberPath(to);
    for (const link of [...this.links]) {
      if (link === src || link.startsWith(`${src}/`)) {
        this.links.delete(link);
        this.links.add(dst + link.slice(src.length));
      }
    }
  }

  get size(): number {
    return this.links.size;
  }
}
