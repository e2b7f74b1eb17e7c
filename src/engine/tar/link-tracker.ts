import fs from 'node:fs/promises';
import path from 'node:path';
import { EngineError } from '../engine-error';

/** `./a//b/./c/` -> `a/b/c`: member names as the paths tar will create, for prefix comparisons. */
export function memberPath(name: string): string {
  return name.split('/').filter((part) => part !== '' && part !== '.').join('/');
}

/**
 * Every name in the restore target that is a symlink, as member paths (latin1 strings, one char
 * per byte, like the guard's member names, so a non-UTF-8 name compares byte for byte).
 *
 * GNU tar only defends against writing through a symlink it created itself in the same run (it
 * extracts absolute or `..` symlinks as placeholders until the end of the run). A symlink that
 * is already in the target when a run starts (left by an earlier level, or there before a restore
 * with `overwrite`) is followed: a member `link/file` would be written wherever it points. A real
 * backup never has a member below a symlink (tar does not descend into symlinks; a symlink that
 * became a directory comes back as a directory member first, and tar replaces the symlink by it),
 * so any member below one is refused.
 *
 * How a name becomes a symlink, and how the tracker follows it:
 * - a symlink member ('2');
 * - a hard link member ('1') whose target is a symlink: link(2) links the symlink itself, so the
 *   new name is a second symlink to the same place (also through chains of hard links);
 * - a directory rename recorded in a dumpdir carries the symlinks at and below it to the new
 *   name, and leaves them tracked at the old one too: tar goes on extracting when a rename fails
 *   (the target is a non-empty directory, or lies inside the source), and then the old names
 *   still hold the symlinks. A real backup never writes below either name, and a member that
 *   replaces a name clears it;
 * - already on disk: `fromDisk` reads the target with lstat semantics before each level, the
 *   ground truth of what tar did in the levels before (cheap next to a restore).
 * Any other member type replaces a symlink of its name (tar unlinks it: checked with GNU tar
 * 1.34 for files, directories and dumpdir directories under --overwrite).
 */
export class LinkTracker {
  private readonly links = new Set<string>();

  /** The symlinks under `dir` (not followed), e.g. before each level of a restore. */
  static async fromDisk(dir: string): Promise<LinkTracker> {
    const tracker = new LinkTracker();
    await walk(Buffer.from(dir), '', tracker.links);
    return tracker;
  }

  /** Refuses `path` (a member name, hard link target or rename path) when one of its parents is a symlink. */
  check(member: string, path: string, what: string): void {
    const parts = memberPath(path).split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      if (this.links.has(parent)) {
        throw new EngineError(
          `Refusing to restore: archive member "${member}" (${what}) lies below the symlink "${display(parent)}", which tar would follow`,
        );
      }
    }
  }

  /** After tar extracts a member; `link` is a hard link's target. */
  record(name: string, type: string, link = ''): void {
    const path = memberPath(name);
    if (type === '2' || (type === '1' && this.links.has(memberPath(link)))) this.links.add(path);
    else this.links.delete(path);
  }

  /**
   * A directory (or symlink) renamed by an incremental level carries the symlinks at and below it
   * to the new name; they stay tracked at the old one in case tar's rename fails (see above).
   */
  rename(from: string, to: string): void {
    const src = memberPath(from);
    const dst = memberPath(to);
    for (const link of [...this.links]) {
      if (link === src || link.startsWith(`${src}/`)) this.links.add(dst + link.slice(src.length));
    }
  }

  has(name: string): boolean {
    return this.links.has(memberPath(name));
  }

  get size(): number {
    return this.links.size;
  }
}

function display(name: string): string {
  return Buffer.from(name, 'latin1').toString('utf8');
}

/**
 * lstat walk with names as raw bytes: Dirent types come from lstat semantics (a symlink to a
 * directory is a symlink, never descended into).
 */
async function walk(root: Buffer, rel: string, out: Set<string>): Promise<void> {
  const dir = rel === '' ? root : Buffer.concat([root, Buffer.from(`/${rel}`, 'latin1')]);
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true, encoding: 'buffer' });
  } catch (err) {
    // Gone or unreadable since its parent was listed: nothing below it can be tracked, and tar
    // would not be able to write there either.
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return;
    throw new EngineError(`cannot read ${path.join(dir.toString(), '')} in the restore target: ${(err as Error).message}`);
  }
  for (const entry of entries) {
    const name = (entry.name as unknown as Buffer).toString('latin1');
    const child = rel === '' ? name : `${rel}/${name}`;
    if (entry.isSymbolicLink()) out.add(child);
    else if (entry.isDirectory()) await walk(root, child, out);
  }
}
