import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { backup, ensureEngineTools, restore, slotOf, tempDir } from '../helpers/engine';
import {
  tarArchive, tarDir, tarDumpdir, tarFile, tarHardLink, tarLong, tarMember, tarPax, tarSymlink, utf8, writeLevel,
} from '../helpers/tar-bytes';
import { manifest, manifestDiff } from '../helpers/tree';

/**
 * Hand-made chains (built byte by byte at run time) that try every way the member guard knows of
 * to make GNU tar write through a symlink: every member type, link combination and level
 * combination, into an empty target and into an `overwrite` target that already holds symlinks.
 * Each restores through the real engine into `<root>/target` beside `<root>/outside`; whatever
 * the outcome, nothing outside the target may change (entries, contents, modes, mtimes).
 */

interface Where {
  target: string;
  outside: string;
  /** The symlink target pointing at `outside` for a link at `at` (absolute or relative). */
  out(at: string): string;
}

type Expect = 'refused' | 'restored' | 'either';

interface Case {
  name: string;
  levels(w: Where): Buffer[][];
  /** What the target holds before the restore (run with overwrite). */
  pre?(w: Where): void;
  expect: Expect;
  /** Checked in the target after a restore that succeeded. */
  after?(w: Where): void;
}

const refuse = (name: string, levels: Case['levels'], pre?: Case['pre']): Case => ({ name, levels, pre, expect: 'refused' });

const CASES: Case[] = [
  refuse('symlink, then a file below it in the same level', (w) => [[tarSymlink('s', w.out('s')), tarFile('s/v')]]),
  refuse('symlink, then a file below it in a later level', (w) => [[tarSymlink('s', w.out('s'))], [tarFile('s/v')]]),
  refuse('symlink, then a directory below it in a later level', (w) => [[tarSymlink('s', w.out('s'))], [tarDir('s/d')]]),
  refuse('symlink, then a dumpdir below it in a later level', (w) => [[tarSymlink('s', w.out('s'))], [tarDumpdir('s/dir', [])]]),
  refuse('symlink, then a symlink below it', (w) => [[tarSymlink('s', w.out('s'))], [tarSymlink('s/l', 'x')]]),
  refuse('hard link to a symlink, member below it in the same level as the link', (w) => [[tarSymlink('s', w.out('s'))], [tarHardLink('h', 's'), tarFile('h/v')]]),
  refuse('hard link to a symlink, member below it in a later level', (w) => [[tarSymlink('s', w.out('s'))], [tarHardLink('h', 's')], [tarFile('h/v')]]),
  refuse('hard link to a symlink, all in one level', (w) => [[tarSymlink('s', w.out('s')), tarHardLink('h', 's'), tarFile('h/v')]]),
  refuse('hard link to a hard link to a symlink', (w) => [[tarSymlink('s', w.out('s'))], [tarHardLink('h1', './s')], [tarHardLink('h2', 'h1//'), tarFile('h2/v')]]),
  refuse('symlink to a symlink', (w) => [[tarSymlink('s', w.out('s')), tarSymlink('s2', 's')], [tarFile('s2/v')]]),
  refuse('hard link whose target lies below a symlink', (w) => [[tarSymlink('s', w.out('s'))], [tarHardLink('h', 's/keep.txt')]]),
  refuse('nested symlink, file below it later', (w) => [[tarDir('a'), tarSymlink('a/l', w.out('a/l'))], [tarFile('a/l/v')]]),
  refuse('names with ./ and //', (w) => [[tarSymlink('./s', w.out('s'))], [tarFile('./s//v')]]),
  refuse('names with /./', (w) => [[tarSymlink('s', w.out('s'))], [tarFile('s/./v')]]),
  refuse('GNU long name below a symlink', (w) => [[tarSymlink('s', w.out('s'))], [tarLong('L', `s/${'x'.repeat(150)}`, tarFile('placeholder'))]]),
  refuse('GNU long link naming a symlink, member below the hard link', (w) => [[tarSymlink('s', w.out('s'))], [tarLong('K', 's', tarHardLink('h', 'placeholder')), tarFile('h/v')]]),
  refuse('pax path below a symlink', (w) => [[tarSymlink('s', w.out('s'))], [tarPax([['path', 's/v']], tarFile('placeholder'))]]),
  refuse('pax linkpath naming a symlink, member below the hard link', (w) => [[tarSymlink('s', w.out('s'))], [tarPax([['linkpath', 's']], tarHardLink('h', 'placeholder')), tarFile('h/v')]]),
  refuse('renamed directory holding a symlink, member below it', (w) => [[tarDir('a'), tarSymlink('a/l', w.out('a/l'))], [tarDumpdir('.', ['Db', 'R./a', 'T./b']), tarDumpdir('b', ['Nl']), tarFile('b/l/v')]]),
  refuse('renamed symlink, member below it', (w) => [[tarSymlink('a', w.out('a'))], [tarDumpdir('.', ['Nb', 'R./a', 'T./b']), tarFile('b/v')]]),
  refuse('dumpdir rename into a symlink', (w) => [[tarDir('a'), tarSymlink('s', w.out('s'))], [tarDumpdir('.', ['Ds', 'R./a', 'T./s/a'])]]),
  refuse('dumpdir rename out of a symlink', (w) => [[tarSymlink('s', w.out('s'))], [tarDumpdir('.', ['Dstolen', 'R./s/dir', 'T./stolen'])]]),
  refuse('dumpdir temporary directory below a symlink', (w) => [[tarDir('a'), tarDir('b'), tarSymlink('s', w.out('s'))], [tarDumpdir('.', ['Da', 'Db', 'X./s/tmp', 'R./a', 'T', 'R./b', 'T./a', 'R', 'T./b'])]]),
  refuse('dumpdir rename tar fails (the target is not empty), member below the old name', (w) => [[tarDir('a'), tarSymlink('a/l', w.out('a/l')), tarDir('b'), tarFile('b/f')], [tarDumpdir('.', ['Da', 'Db', 'R./a', 'T./b']), tarFile('a/l/v')]]),
  refuse('dumpdir whose R and T are apart (tar makes no rename), member below the old name', (w) => [[tarDir('a'), tarSymlink('a/l', w.out('a/l'))], [tarDumpdir('.', ['Da', 'R./a', 'Yz', 'T./b']), tarFile('a/l/v')]]),
  refuse('POSIX dumpdir (pax GNU.dumpdir) renaming a symlink, member below it', (w) => [[tarSymlink('a', w.out('a'))], [tarPax([['GNU.dumpdir', 'Nb\0Ra\0Tb\0\0']], tarMember({ name: './', type: '5' })), tarFile('b/v')]]),
  refuse('overwrite target holding a symlink: file below it', () => [[tarFile('s/v')]], (w) => fs.symlinkSync(w.out('s'), path.join(w.target, 's'))),
  refuse('overwrite target holding a symlink: hard link to it, member below', () => [[tarHardLink('h', 's'), tarFile('h/v')]], (w) => fs.symlinkSync(w.out('s'), path.join(w.target, 's'))),
  refuse('overwrite target holding a symlink: hard link to it, member below in a later level', () => [[tarHardLink('h', 's')], [tarFile('h/v')]], (w) => fs.symlinkSync(w.out('s'), path.join(w.target, 's'))),
  refuse('overwrite target holding a nested non-ASCII symlink: file below it', () => [[tarFile(utf8('sub/ünï/v'))]], (w) => {
    fs.mkdirSync(path.join(w.target, 'sub'));
    fs.symlinkSync(w.out('sub/ünï'), path.join(w.target, 'sub/ünï'));
  }),
  refuse('overwrite target holding a symlink to a symlink: file below', () => [[tarFile('s2/v')]], (w) => {
    fs.symlinkSync(w.out('s'), path.join(w.target, 's'));
    fs.symlinkSync('s', path.join(w.target, 's2'));
  }),
  {
    name: 'symlink replaced by a directory, then files in it (safe: tar replaces the symlink)',
    levels: (w) => [[tarSymlink('s', w.out('s'))], [tarDir('s'), tarFile('s/v', 'inside')]],
    expect: 'restored',
    after: (w) => assert.equal(fs.readFileSync(path.join(w.target, 's/v'), 'utf8'), 'inside'),
  },
  // GNU tar 1.34 replaces the symlink by the directory, then fails to purge it ("Cannot open: Not
  // a directory": it opens the old name without following it), so the run fails, safely.
  {
    name: 'symlink replaced by a dumpdir directory, then files in it',
    levels: (w) => [[tarSymlink('s', w.out('s'))], [tarDumpdir('s', ['Yv']), tarFile('s/v', 'inside')]],
    expect: 'either',
  },
  {
    name: 'symlink replaced by a file, then a member below the file',
    levels: (w) => [[tarSymlink('s', w.out('s'))], [tarFile('s', 'now a file')], [tarFile('s/v')]],
    expect: 'either',
  },
  {
    name: 'symlink to an outside file replaced by a file of its name, same level',
    levels: (w) => [[tarSymlink('f', path.join(w.out('f'), 'keep.txt')), tarFile('f', 'replaced')]],
    expect: 'restored',
  },
  {
    name: 'overwrite target holding a symlink to an outside file: a file of its name, and one hard-linked to it',
    pre: (w) => fs.symlinkSync(path.join(w.out('f'), 'keep.txt'), path.join(w.target, 'f')),
    levels: () => [[tarHardLink('h', 'f')], [tarFile('f', 'replaced'), tarFile('h', 'replaced too')]],
    expect: 'restored',
    after: (w) => assert.equal(fs.readFileSync(path.join(w.target, 'h'), 'utf8'), 'replaced too'),
  },
  {
    name: 'overwrite target holding a symlink: a dumpdir directory of its name (tar replaces it, purges nothing outside)',
    pre: (w) => fs.symlinkSync(w.out('s'), path.join(w.target, 's')),
    levels: () => [[tarDumpdir('s', ['Yv']), tarFile('s/v', 'inside')]],
    expect: 'either',
  },
];

interface EntryState {
  kind: string;
  mode: number;
  size: number;
  mtimeMs: number;
  content: string;
}

/** Every entry under `root` (itself included), by lstat, with a digest of file contents and link targets. */
function snapshot(root: string): Map<string, EntryState> {
  const out = new Map<string, EntryState>();
  const visit = (rel: string) => {
    const full = path.join(root, rel);
    const st = fs.lstatSync(full);
    const kind = st.isSymbolicLink() ? 'link' : st.isDirectory() ? 'dir' : 'file';
    const content = kind === 'file' ? crypto.createHash('sha256').update(fs.readFileSync(full)).digest('hex') : kind === 'link' ? fs.readlinkSync(full) : fs.readdirSync(full).sort().join('/');
    out.set(rel || '.', { kind, mode: st.mode, size: st.size, mtimeMs: st.mtimeMs, content });
    if (kind === 'dir') for (const name of fs.readdirSync(full)) visit(path.join(rel, name));
  };
  visit('');
  return out;
}

function makeOutside(dir: string): void {
  fs.mkdirSync(path.join(dir, 'dir'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'keep.txt'), 'outside, must not change');
  fs.writeFileSync(path.join(dir, 'dir/inner.txt'), 'outside too');
  for (const p of ['keep.txt', 'dir/inner.txt', 'dir', '.']) fs.utimesSync(path.join(dir, p), 1_500_000_000, 1_500_000_000);
}

describe('trust: hostile-archive corpus: nothing is ever written outside the restore target', function () {
  this.timeout(300_000);
  let work = '';
  let n = 0;
  before(() => {
    ensureEngineTools();
    work = tempDir('corpus');
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  for (const c of CASES) {
    for (const links of ['absolute', 'relative'] as const) {
      it(`trust: hostile-archive corpus: ${c.name} (${links} symlinks)`, async () => {
        const root = path.join(work, `case-${++n}`);
        const w: Where = {
          target: path.join(root, 'target'),
          outside: path.join(root, 'outside'),
          out: (at) => (links === 'absolute' ? path.join(root, 'outside') : path.relative(path.dirname(path.join(root, 'target', at)), path.join(root, 'outside'))),
        };
        fs.mkdirSync(w.target, { recursive: true });
        makeOutside(w.outside);
        c.pre?.(w);
        const store = path.join(work, `store-${n}`);
        for (const [i, members] of c.levels(w).entries()) writeLevel(store, 'h_x', { t0: 1000, level: i, ts: 1000 + i }, tarArchive(...members));
        const before = snapshot(w.outside);
        const siblings = fs.readdirSync(root).sort();
        const outcome = await restore({ storage: 'local', container: store, backup_name: 'x', hostname: 'h', restore_abs_path: w.target, overwrite: true })
          .then(() => 'restored', (err: Error) => `refused: ${err.message}`);
        assert.deepEqual(snapshot(w.outside), before, `the outside tree changed (${outcome})`);
        assert.deepEqual(fs.readdirSync(root).sort(), siblings, 'something was created beside the target');
        if (c.expect === 'refused') assert.match(outcome, /^refused: .*Refusing to restore/);
        if (c.expect === 'restored') assert.equal(outcome, 'restored');
        if (outcome === 'restored') c.after?.(w);
      });
    }
  }

  it('trust: hostile-archive corpus: legitimate chains (symlinks becoming directories and back, renames, hard links to symlinks) still restore exactly', async () => {
    const root = path.join(work, 'legit');
    const src = path.join(root, 'src');
    const outside = path.join(root, 'outside');
    makeOutside(outside);
    fs.mkdirSync(path.join(src, 'a'), { recursive: true });
    fs.symlinkSync(outside, path.join(src, 's'));
    fs.symlinkSync('../s', path.join(src, 'a/l'));
    fs.linkSync(path.join(src, 's'), path.join(src, 'hard-to-symlink'));
    fs.writeFileSync(path.join(src, 'a/file'), 'a');
    const store = path.join(root, 'store');
    const common = { storage: 'local', container: store, backup_name: 'legit', hostname: 'h' };
    const rounds: Array<() => void> = [
      () => undefined,
      () => {
        // s becomes a directory; a is renamed to b with its symlink; a new hard link to a symlink.
        fs.rmSync(path.join(src, 's'));
        fs.mkdirSync(path.join(src, 's'));
        fs.writeFileSync(path.join(src, 's/inside'), 'now a dir');
        fs.renameSync(path.join(src, 'a'), path.join(src, 'b'));
        fs.linkSync(path.join(src, 'b/l'), path.join(src, 'hard-to-l'));
      },
      () => {
        // ... and back: s is a symlink again, b/l becomes a directory.
        fs.rmSync(path.join(src, 's'), { recursive: true });
        fs.symlinkSync(outside, path.join(src, 's'));
        fs.rmSync(path.join(src, 'b/l'));
        fs.mkdirSync(path.join(src, 'b/l'));
        fs.writeFileSync(path.join(src, 'b/l/deep'), 'deep');
      },
    ];
    const states = [];
    const slots = [];
    for (const change of rounds) {
      change();
      slots.push(slotOf(await backup({ ...common, path_to_backup: src })));
      states.push(manifest(src));
    }
    assert.deepEqual(slots.map((s) => s.level), [0, 1, 2]);
    const before = snapshot(outside);
    for (const [i, slot] of slots.entries()) {
      const target = path.join(root, `restore-${i}`);
      await restore({ ...common, restore_abs_path: target, restore_from_date: String(slot.ts) });
      assert.deepEqual(manifestDiff(states[i], manifest(target)), [], `level ${i}`);
    }
    assert.deepEqual(snapshot(outside), before);
  });
});
