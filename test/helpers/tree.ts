import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** One entry of a tree as a restore must reproduce it. */
export interface EntryState {
  type: 'file' | 'dir' | 'symlink';
  mode: number;
  /** Seconds (tar keeps whole seconds). Not compared for directories: see manifest(). */
  mtimeS?: number;
  sha256?: string;
  target?: string;
}

/**
 * Every entry under `root` (relative POSIX path -> state): content hash, permission bits and
 * mtime of files, targets of symlinks, and directories (empty ones included). Directory mtimes
 * are left out: extracting into a directory changes its mtime, and tar only restores it at the
 * end of each level's extraction.
 */
export function manifest(root: string): Map<string, EntryState> {
  const out = new Map<string, EntryState>();
  const walk = (dir: string) => {
    for (const name of fs.readdirSync(dir).sort()) {
      const full = path.join(dir, name);
      const rel = path.relative(root, full).split(path.sep).join('/');
      const st = fs.lstatSync(full);
      if (st.isSymbolicLink()) out.set(rel, { type: 'symlink', mode: 0, target: fs.readlinkSync(full) });
      else if (st.isDirectory()) {
        out.set(rel, { type: 'dir', mode: st.mode & 0o7777 });
        walk(full);
      } else {
        const sha256 = crypto.createHash('sha256').update(fs.readFileSync(full)).digest('hex');
        out.set(rel, { type: 'file', mode: st.mode & 0o7777, mtimeS: Math.floor(st.mtimeMs / 1000), sha256 });
      }
    }
  };
  walk(root);
  return out;
}

/** Differences between two manifests, readable in an assertion message (empty when equal). */
export function manifestDiff(expected: Map<string, EntryState>, actual: Map<string, EntryState>): string[] {
  const diffs: string[] = [];
  for (const [p, e] of expected) {
    const a = actual.get(p);
    if (!a) diffs.push(`missing ${p}`);
    else if (JSON.stringify(a) !== JSON.stringify(e)) diffs.push(`${p}: expected ${JSON.stringify(e)}, got ${JSON.stringify(a)}`);
  }
  for (const p of actual.keys()) if (!expected.has(p)) diffs.push(`unexpected ${p}`);
  return diffs;
}

function write(root: string, rel: string, data: Buffer | string, mode = 0o644, mtimeS?: number): void {
  const full = path.join(root, rel);
  fs.mkdirSync(path.dirname(full), { recursive: true });
  fs.writeFileSync(full, data);
  fs.chmodSync(full, mode);
  if (mtimeS !== undefined) fs.utimesSync(full, mtimeS, mtimeS);
}

/** A deterministic tree with the cases a restore gets wrong: modes, links, empty dirs, odd names. */
export function makeTree(root: string, seed = 1): void {
  let state = seed;
  const rand = (n: number) => {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) {
      state = (state * 1103515245 + 12345) >>> 0;
      out[i] = state >>> 24;
    }
    return out;
  };
  fs.mkdirSync(root, { recursive: true });
  write(root, 'README.txt', 'hello\n'.repeat(100), 0o644, 1_600_000_000);
  write(root, 'bin/run.sh', '#!/bin/sh\necho run\n', 0o755, 1_600_000_100);
  write(root, 'secret/key.pem', rand(3000), 0o600, 1_600_000_200);
  write(root, 'data/random.bin', rand(300_000), 0o640, 1_600_000_300);
  write(root, 'data/text.log', 'line of a log file\n'.repeat(20_000), 0o644, 1_600_000_400);
  write(root, 'data/empty-file', '', 0o644, 1_600_000_500);
  write(root, 'names/with space & ünïcode.txt', 'odd name', 0o644, 1_600_000_600);
  write(root, `names/${'long-'.repeat(30)}name.txt`, 'long name', 0o644, 1_600_000_700);
  fs.mkdirSync(path.join(root, 'empty/nested-empty'), { recursive: true });
  fs.symlinkSync('../README.txt', path.join(root, 'bin/readme-link'));
  fs.symlinkSync('/etc/hostname', path.join(root, 'abs-link'));
  fs.symlinkSync('does-not-exist', path.join(root, 'dangling-link'));
  fs.linkSync(path.join(root, 'data/text.log'), path.join(root, 'data/text-hardlink.log'));
}

/** Changes of every kind an incremental must replay: edit, delete (file and dir), add, chmod, rename, relink. */
export function mutateTree(root: string, round: number): void {
  write(root, 'data/text.log', `edited in round ${round}\n`.repeat(5000), 0o644);
  fs.rmSync(path.join(root, round === 1 ? 'secret' : 'names'), { recursive: true, force: true });
  write(root, `added/round-${round}.txt`, `new in ${round}`, 0o600);
  fs.chmodSync(path.join(root, 'bin/run.sh'), round === 1 ? 0o700 : 0o750);
  fs.renameSync(path.join(root, round === 1 ? 'README.txt' : `README-${round - 1}.txt`), path.join(root, `README-${round}.txt`));
  fs.rmSync(path.join(root, 'bin/readme-link'));
  fs.symlinkSync(`../README-${round}.txt`, path.join(root, 'bin/readme-link'));
  fs.mkdirSync(path.join(root, `empty/new-${round}`));
}

/** About 48 MiB that compresses slowly at gzip -9: each run lasts long enough to be killed anywhere. */
export function makeBigTree(root: string): void {
  for (let d = 0; d < 12; d++) {
    const dir = path.join(root, `d${d}`);
    fs.mkdirSync(dir, { recursive: true });
    for (let f = 0; f < 40; f++) {
      const words = crypto.randomBytes(50_000).toString('base64');
      fs.writeFileSync(path.join(dir, `f${f}.txt`), words.repeat(2));
    }
  }
}
