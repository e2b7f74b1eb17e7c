import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { EngineError } from '../../../../src/engine/engine-error';
import { LinkTracker, MemberGuard, type MemberGuardOptions, type MemberInfo } from '../../../../src/engine/tar';

const BLOCK = 512;
const SPLITS = [1, 7, 511, 512, 513, 65536];

// ---------------------------------------------------------------------------------------------
// Hand-made archives (for what GNU tar refuses to write)

interface HeaderSpec {
  name: string;
  type?: string;
  size?: number;
  linkname?: string;
  prefix?: string;
  /** 'gnu' (GNU tar's default, "ustar  \0") or 'posix' ("ustar\0" "00", prefix used). */
  magic?: 'gnu' | 'posix';
  /** Raw 12-byte size field, instead of octal `size`. */
  sizeField?: Buffer;
  checksum?: 'unsigned' | 'signed' | 'wrong';
}

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function header(spec: HeaderSpec): Buffer {
  const b = Buffer.alloc(BLOCK);
  b.write(spec.name, 0, 100, 'latin1');
  b.write(octal(0o644, 8), 100);
  b.write(octal(0, 8), 108);
  b.write(octal(0, 8), 116);
  if (spec.sizeField) spec.sizeField.copy(b, 124);
  else b.write(octal(spec.size ?? 0, 12), 124);
  b.write(octal(1_700_000_000, 12), 136);
  b.write(spec.type ?? '0', 156, 'latin1');
  b.write(spec.linkname ?? '', 157, 100, 'latin1');
  b.write(spec.magic === 'posix' ? 'ustar\u000000' : 'ustar  \0', 257, 'latin1');
  b.write(spec.prefix ?? '', 345, 155, 'latin1');
  b.fill(' ', 148, 156);
  let sum = 0;
  for (const byte of b) sum += spec.checksum === 'signed' && byte > 127 ? byte - 256 : byte;
  b.write(octal(spec.checksum === 'wrong' ? sum + 1 : sum, 7), 148);
  return b;
}

function padded(data: Buffer): Buffer {
  return Buffer.concat([data, Buffer.alloc((BLOCK - (data.length % BLOCK)) % BLOCK)]);
}

/** A header and its data; `size` defaults to the data's length. */
function member(spec: HeaderSpec, data: Buffer | string = ''): Buffer {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
  return Buffer.concat([header({ size: bytes.length, ...spec }), padded(bytes)]);
}

const END = Buffer.alloc(2 * BLOCK);

function archive(...members: Buffer[]): Buffer {
  return Buffer.concat([...members, END]);
}

/** Pax records `<len> key=value\n`, the length counting its own digits. */
function paxData(records: [string, string][]): Buffer {
  return Buffer.concat(records.map(([key, value]) => {
    const body = Buffer.from(` ${key}=${value}\n`, 'latin1');
    let len = body.length + 1;
    while (String(len).length + body.length !== len) len++;
    return Buffer.concat([Buffer.from(String(len)), body]);
  }));
}

const OK_FILE = member({ name: './ok.txt' }, 'fine\n');

// ---------------------------------------------------------------------------------------------
// Running the guard

interface Outcome {
  out: Buffer;
  error: unknown;
  members: MemberInfo[];
}

function* pieces(input: Buffer, size: number): Generator<Buffer> {
  for (let i = 0; i < input.length; i += size) yield input.subarray(i, i + size);
}

function runGuard(input: Buffer, split = 65536, sink?: Writable, opts: MemberGuardOptions = {}): Promise<Outcome> {
  const members: MemberInfo[] = [];
  const guard = new MemberGuard({ ...opts, onMember: (m) => members.push(m) });
  const parts: Buffer[] = [];
  return new Promise((resolve) => {
    const done = (error: unknown) => resolve({ out: Buffer.concat(parts), error, members });
    guard.on('data', (b: Buffer) => parts.push(b));
    guard.once('error', done);
    guard.once('end', () => done(null));
    if (sink) guard.pipe(sink);
    Readable.from(pieces(input, split)).pipe(guard);
  });
}

async function assertPasses(input: Buffer, splits = SPLITS): Promise<MemberInfo[]> {
  let members: MemberInfo[] = [];
  for (const split of splits) {
    const r = await runGuard(input, split);
    assert.equal(r.error, null, `split ${split}: ${String(r.error)}`);
    assert.ok(r.out.equals(input), `split ${split}: output differs from input`);
    members = r.members;
  }
  return members;
}

/**
 * The guard must fail with an EngineError matching `message`, and must not have emitted any byte
 * from `hostileAt` (the first header of the hostile member) on.
 */
async function assertRefused(input: Buffer, hostileAt: number, message: RegExp, splits = [1, 7, 511, 512, 513, 65536]) {
  for (const split of splits) {
    const r = await runGuard(input, split);
    assert.ok(r.error instanceof EngineError, `split ${split}: expected EngineError, got ${String(r.error)}`);
    assert.match(r.error.message, message, `split ${split}`);
    assert.ok(r.out.length <= hostileAt, `split ${split}: emitted ${r.out.length} bytes, hostile member at ${hostileAt}`);
    assert.ok(input.subarray(0, r.out.length).equals(r.out), `split ${split}: output is not a prefix of the input`);
  }
}

/** The whole message, exactly (a message naming the problem is part of the contract). */
function exactly(message: string): RegExp {
  return new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
}

/** A member header with its checksum recomputed after `edit` changed raw bytes. */
function rawHeader(spec: HeaderSpec, edit: (b: Buffer) => void): Buffer {
  const b = header(spec);
  edit(b);
  b.fill(' ', 148, 156);
  let sum = 0;
  for (const byte of b) sum += byte;
  b.write(octal(sum, 7), 148);
  return b;
}

const pax = (records: [string, string][], type = 'x', name = './PaxHeaders/f'): Buffer => member({ name, type }, paxData(records));
const rawPax = (data: string): Buffer => member({ name: 'p', type: 'x' }, data);
const longName = (type: 'L' | 'K', value: string): Buffer => member({ name: '././@LongLink', type }, `${value}\0`);

// ---------------------------------------------------------------------------------------------
// Real archives made by GNU tar

function tar(args: string[], cwd?: string): Buffer {
  return execFileSync('tar', args, { cwd, maxBuffer: 64 << 20 });
}

/** Path -> kind and content of every entry under `root`, for comparing trees. */
function describeTree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const name of fs.readdirSync(path.join(root, rel)).sort()) {
      const r = path.join(rel, name);
      const st = fs.lstatSync(path.join(root, r));
      if (st.isSymbolicLink()) out[r] = `link -> ${fs.readlinkSync(path.join(root, r))}`;
      else if (st.isDirectory()) {
        out[r] = 'dir';
        walk(r);
      } else out[r] = `file ${crypto.createHash('sha256').update(fs.readFileSync(path.join(root, r))).digest('hex')}`;
    }
  };
  walk('');
  return out;
}

const LONG_DIR = `dir-${'d'.repeat(110)}`;
const LONG_FILE = `file-${'f'.repeat(120)}.txt`;
const LONG_TARGET = `${'t'.repeat(150)}/target`;

function buildTree(src: string): void {
  fs.mkdirSync(path.join(src, LONG_DIR), { recursive: true });
  fs.mkdirSync(path.join(src, 'empty'));
  fs.mkdirSync(path.join(src, 'links'));
  fs.mkdirSync(path.join(src, 'old'));
  fs.writeFileSync(path.join(src, 'small.txt'), 'hello\n');
  fs.writeFileSync(path.join(src, 'gone.txt'), 'deleted at level 1\n');
  fs.writeFileSync(path.join(src, 'old', 'f'), 'renamed dir content\n');
  fs.writeFileSync(path.join(src, 'big.bin'), crypto.randomBytes(1_500_000 + 123));
  fs.writeFileSync(path.join(src, LONG_DIR, LONG_FILE), 'long name\n');
  fs.symlinkSync('/etc/hostname', path.join(src, 'links', 'abs'));
  fs.symlinkSync('../small.txt', path.join(src, 'links', 'up'));
  fs.symlinkSync(LONG_TARGET, path.join(src, 'links', 'long'));
  fs.linkSync(path.join(src, 'small.txt'), path.join(src, 'links', 'hard'));
  fs.linkSync(path.join(src, LONG_DIR, LONG_FILE), path.join(src, 'links', 'hard-long'));
}

/** Level 1: a deletion, a directory rename and a new file, so dumpdirs carry N/R/T entries. */
function changeTree(src: string): void {
  fs.rmSync(path.join(src, 'gone.txt'));
  fs.renameSync(path.join(src, 'old'), path.join(src, 'renamed'));
  fs.writeFileSync(path.join(src, 'new.txt'), 'added at level 1\n');
}

function extract(input: Buffer, dest: string, split: number): Promise<{ code: number | null; stderr: string; error: unknown }> {
  const child = spawn('tar', ['--incremental', '--extract', '--ignore-zeros', `--directory=${dest}`, '--file=-'], {
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return runGuard(input, split, child.stdin).then(async (r) => ({ code: await exited, stderr, error: r.error }));
}

describe('tar member guard (engine/tar/member-guard.ts)', () => {
  let tmp: string;
  let src: string;
  let level0: Buffer;
  let level1: Buffer;
  let after0: Record<string, string>;

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'member-guard-'));
    src = path.join(tmp, 'src');
    fs.mkdirSync(src);
    buildTree(src);
    const snap = path.join(tmp, 'snap');
    level0 = tar(['--create', `--listed-incremental=${snap}`, '--file=-', '.'], src);
    after0 = describeTree(src);
    changeTree(src);
    level1 = tar(['--create', `--listed-incremental=${snap}`, '--file=-', '.'], src);
  });

  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  describe('real GNU tar archives', () => {
    it('have the features under test (long names, links, dumpdirs with renames)', () => {
      const text = level0.toString('latin1');
      assert.ok(text.includes('././@LongLink'), 'GNU long name/link headers');
      assert.ok(level1.toString('latin1').includes('R./old\0T./renamed\0'), 'rename entries in a dumpdir');
      assert.ok(text.includes('Ygone.txt\0') && !level1.toString('latin1').includes('gone.txt'), 'deletion recorded by omission');
      assert.ok(text.includes(`${LONG_TARGET}\0`), 'long symlink target (GNU long link)');
    });

    it('pass through byte-identical at any chunking, reporting every member', async () => {
      const members = await assertPasses(level0);
      await assertPasses(level1);
      const byName = new Map(members.map((m) => [m.name, m]));
      assert.equal(byName.get('./big.bin')?.size, 1_500_123);
      assert.equal(byName.get('./big.bin')?.type, '0');
      assert.equal(byName.get(`./${LONG_DIR}/${LONG_FILE}`)?.type, '0');
      assert.equal(byName.get('./links/hard')?.type, '1');
      assert.equal(byName.get('./links/hard-long')?.type, '1');
      assert.equal(byName.get('./links/long')?.type, '2');
      assert.equal(byName.get('./empty/')?.type, 'D');
      assert.equal(members.length, 15);
    });

    it('restore through the guard with tar --incremental --extract (level 0 then level 1)', async function () {
      this.timeout(60000);
      for (const split of [513, 65536]) {
        const dest = fs.mkdtempSync(path.join(tmp, 'dest-'));
        const r0 = await extract(level0, dest, split);
        assert.deepEqual([r0.code, r0.error], [0, null], r0.stderr);
        assert.deepEqual(describeTree(dest), after0);
        const r1 = await extract(level1, dest, split);
        assert.deepEqual([r1.code, r1.error], [0, null], r1.stderr);
        assert.deepEqual(describeTree(dest), describeTree(src));
        assert.ok(!fs.existsSync(path.join(dest, 'gone.txt')) && fs.existsSync(path.join(dest, 'renamed', 'f')));
        const ino = (p: string) => fs.statSync(path.join(dest, p)).ino;
        assert.equal(ino('links/hard'), ino('small.txt'));
      }
    });

    it('pass POSIX-format incremental archives (pax path, linkpath, GNU.dumpdir)', async () => {
      const posix = tar(['--create', '--format=posix', `--listed-incremental=${path.join(tmp, 'snap-posix')}`, '--file=-', '.'], src);
      assert.ok(posix.includes('GNU.dumpdir=') && posix.includes(` path=./${LONG_DIR}/`) && posix.includes(' linkpath='), 'pax records present');
      const members = await assertPasses(posix, [511, 65536]);
      // A pax header without a path record leaves the header's own name in force.
      assert.deepEqual(members.filter((m) => !m.name.startsWith('./')), []);
      assert.ok(members.some((m) => m.name === `./${LONG_DIR}/${LONG_FILE}`));
      assert.ok(members.some((m) => m.name === './renamed/' && m.type === '5'));
    });

    it('pass concatenated archives (zero blocks then more members), as tar --ignore-zeros reads them', async () => {
      const both = Buffer.concat([level0, level1]);
      const members = await assertPasses(both, [511, 65536]);
      assert.ok(members.some((m) => m.name === './new.txt'), 'members after the first end marker are parsed');
    });

    it('refuse a corrupted header checksum before emitting it', async () => {
      const bad = Buffer.from(level1);
      const at = bad.indexOf('./new.txt\0', 0, 'latin1');
      assert.ok(at > 0 && at % BLOCK === 0);
      bad[at + 3] ^= 0x01;
      // The offset is the stream's, whether the block arrived whole or split across chunks.
      await assertRefused(bad, at, exactly(`Refusing to restore: not a tar stream or corrupted (bad header checksum or size at byte ${at})`));
      await assertRefused(crypto.randomBytes(4 * BLOCK), 0, /not a tar stream or corrupted/);
    });

    it('pass an archive of end-of-archive blocks only, and a global pax header followed by the end (nothing to extract)', async () => {
      assert.deepEqual(await assertPasses(Buffer.alloc(20 * BLOCK)), []);
      assert.deepEqual(await assertPasses(archive(pax([['comment', 'made by a test']], 'g', 'glob'))), []);
    });

    it('refuse a truncated archive', async () => {
      const big = level0.indexOf('./big.bin\0', 0, 'latin1');
      for (const [cut, where] of [[big + BLOCK + 1000, 'ends in the middle of a member'], [big + 100, 'ends in the middle of a member'], [big, 'has no end-of-archive marker']] as const) {
        const r = await runGuard(level0.subarray(0, cut), 4096);
        assert.ok(r.error instanceof EngineError, `cut at ${cut}`);
        assert.equal(r.error.message, `Refusing to restore: truncated archive (the stream ${where} after ${cut} bytes)`);
      }
    });

    it('refuse an absolute member name (tar --absolute-names)', async () => {
      const file = path.join(tmp, 'x', 'file');
      fs.mkdirSync(path.dirname(file));
      fs.writeFileSync(file, 'abs');
      const abs = tar(['--absolute-names', '--create', '--file=-', file]);
      await assertRefused(abs, 0, new RegExp(`"${file}" is an absolute path`));
    });
  });

  describe('hostile archives', () => {
    it('refuse a name with a .. component', async () => {
      await assertRefused(archive(OK_FILE, member({ name: 'a/../../evil' }, 'x')), OK_FILE.length,
        exactly(`Refusing to restore: archive member "a/../../evil" has a '..' component`));
      await assertRefused(archive(member({ name: '..' , type: '5' })), 0, /'\.\.' component/);
    });

    it('refuse hard links to absolute or .. targets, also via GNU long links and pax linkpath', async () => {
      await assertRefused(archive(OK_FILE, member({ name: 'passwd', type: '1', linkname: '/etc/passwd' })), OK_FILE.length,
        /"passwd" is an absolute path \(hard link target "\/etc\/passwd"\)/);
      const longLink = member({ name: '././@LongLink', type: 'K' }, `${'a/'.repeat(60)}../../../../x`);
      await assertRefused(archive(OK_FILE, longLink, member({ name: 'h', type: '1', linkname: 'a/a' })), OK_FILE.length, /"h" has a '\.\.' component/);
      const pax = member({ name: './PaxHeaders/h', type: 'x' }, paxData([['linkpath', '../x']]));
      await assertRefused(archive(OK_FILE, pax, member({ name: 'h', type: '1', linkname: 'ok' })), OK_FILE.length, /pax linkpath|hard link target/);
      // A pax header without a linkpath leaves the header's own link target in force.
      const mtimeOnly = member({ name: './PaxHeaders/h', type: 'x' }, paxData([['mtime', '1']]));
      await assertRefused(archive(OK_FILE, mtimeOnly, member({ name: 'h', type: '1', linkname: '../x' })), OK_FILE.length,
        exactly(`Refusing to restore: archive member "h" has a '..' component (hard link target "../x")`));
    });

    it('allow symlinks with absolute or .. targets (GNU tar defends against writing through them)', async () => {
      const input = archive(member({ name: 'l1', type: '2', linkname: '/etc/passwd' }), member({ name: 'l2', type: '2', linkname: '../../x' }));
      assert.equal((await assertPasses(input)).length, 2);
    });

    it('refuse a pax path with .. or a NUL, and a GNU long name with ..', async () => {
      const pax = member({ name: './PaxHeaders/safe', type: 'x' }, paxData([['mtime', '1'], ['path', '../x']]));
      await assertRefused(archive(OK_FILE, pax, member({ name: 'safe' }, 'x')), OK_FILE.length, /"\.\.\/x" has a '\.\.' component/);
      const nul = member({ name: './PaxHeaders/safe', type: 'x' }, paxData([['path', 'safe\0../x']]));
      await assertRefused(archive(OK_FILE, nul, member({ name: 'safe' }, 'x')), OK_FILE.length, /NUL byte inside path/);
      const long = member({ name: '././@LongLink', type: 'L' }, '../../x');
      await assertRefused(archive(OK_FILE, long, member({ name: 'safe' }, 'x')), OK_FILE.length, /"\.\.\/\.\.\/x" has a '\.\.' component/);
    });

    it('use the ustar prefix for POSIX headers only', async () => {
      const posix = member({ name: 'x', prefix: 'a/..', magic: 'posix' }, 'x');
      await assertRefused(archive(OK_FILE, posix), OK_FILE.length, /"a\/\.\.\/x" has a '\.\.' component/);
      // Old-GNU headers keep atime/ctime there: not a name, so no false alarm.
      const gnu = member({ name: 'x', prefix: 'a/..', magic: 'gnu' }, 'x');
      assert.equal((await assertPasses(archive(gnu), [512]))[0].name, 'x');
      const ok = member({ name: 'file', prefix: './deep/dir', magic: 'posix' }, 'x');
      assert.equal((await assertPasses(archive(ok), [512]))[0].name, './deep/dir/file');
    });

    it('refuse dumpdirs naming ../ entries, unsafe renames or temp dirs', async () => {
      for (const [entries, why] of [
        ['Y../evil\0\0', /unsafe dumpdir entry "Y\.\.\/evil"/],
        ['Ya\0D..\0\0', /unsafe dumpdir entry "D\.\."/],
        ['R./a\0T../../x\0\0', /unsafe dumpdir entry "T\.\.\/\.\.\/x"/],
        ['R/etc\0T./x\0\0', /unsafe dumpdir entry "R\/etc"/],
        ['X/tmp\0R./a\0T\0\0', /unsafe dumpdir entry "X\/tmp"/],
        ['Qx\0\0', /unknown dumpdir entry code/],
        ['Ya\0', /unterminated dumpdir/],
        ['Y.\0\0', /unsafe dumpdir entry "Y\."$/],
        ['N\0\0', /unsafe dumpdir entry "N"$/],
        ['X\0\0', /archive member "\.\/" has an empty dumpdir 'X' entry$/],
        ['Ya\0\0junk', /archive member "\.\/" has data after the end of its dumpdir$/],
        // Orders GNU tar's dumpdir_ok refuses (it then makes none of the renames).
        ['R./a\0Yz\0T./b\0\0', /"\.\/" has a malformed dumpdir \("R\.\/a" is not followed by a 'T' entry\)$/],
        ['Ya\0R./a\0\0', /"\.\/" has a malformed dumpdir \("R\.\/a" is not followed by a 'T' entry\)$/],
        ['T./b\0\0', /"\.\/" has a malformed dumpdir \("T\.\/b" does not follow an 'R' entry\)$/],
        ['X.\0R./a\0T./b\0X./c\0\0', /"\.\/" has a malformed dumpdir \(a second 'X' entry\)$/],
        ['R\0T./a\0\0', /"\.\/" has a malformed dumpdir \(an empty 'R' entry with no 'X' entry before it\)$/],
        ['R./a\0T\0\0', /"\.\/" has a malformed dumpdir \(an empty 'T' entry with no 'X' entry before it\)$/],
        // An empty R brings the temporary directory back: the next empty name needs a new X.
        ['X.\0R./a\0T\0R\0T./b\0R./c\0T\0\0', /malformed dumpdir \(an empty 'T' entry with no 'X' entry before it\)$/],
      ] as const) {
        const d = member({ name: './', type: 'D' }, entries);
        await assertRefused(archive(OK_FILE, d), OK_FILE.length, why, [1, 512, 65536]);
      }
      const pax = member({ name: './PaxHeaders/.', type: 'x' }, paxData([['GNU.dumpdir', 'Yok\0N../x\0\0']]));
      await assertRefused(archive(OK_FILE, pax, member({ name: './', type: '5', magic: 'posix' })), OK_FILE.length, /"N\.\.\/x"/);
    });

    it('accept the dumpdirs GNU tar writes for swapped renames (X and empty R/T)', async () => {
      const d = member({ name: './', type: 'D' }, 'Da\0Db\0X.\0R./b\0T\0R./a\0T./b\0R\0T./a\0\0');
      assert.equal((await assertPasses(archive(d)))[0].type, 'D');
      // NUL padding after the end of a dumpdir, and renames in a pax dumpdir when no symlinks are tracked.
      const padded0 = member({ name: './', type: 'D' }, 'Ya\0\0\0\0');
      const paxRenames = Buffer.concat([pax([['GNU.dumpdir', 'Da\0R./a\0T./b\0\0']]), member({ name: './', type: '5', magic: 'posix' })]);
      assert.equal((await assertPasses(archive(padded0, paxRenames), [512])).length, 2);
    });

    it('refuse headers it cannot follow exactly as tar does', async () => {
      await assertRefused(archive(OK_FILE, member({ name: 'l', type: '2', linkname: 't' }, 'data')), OK_FILE.length, /type '2' carries 4 bytes/);
      await assertRefused(archive(OK_FILE, member({ name: 'd/' }, 'data')), OK_FILE.length, /file with a directory name/);
      await assertRefused(archive(OK_FILE, member({ name: 's', type: 'S' }, 'data')), OK_FILE.length, /sparse/);
      await assertRefused(archive(OK_FILE, member({ name: 'm', type: 'M' }, 'data')), OK_FILE.length, /unsupported type "M"/);
      const global = member({ name: 'g', type: 'g' }, paxData([['size', '0']]));
      await assertRefused(archive(OK_FILE, global, OK_FILE), OK_FILE.length, /global but sets "size"/);
      const huge = header({ name: '././@LongLink', type: 'L', size: (1 << 20) + 1 });
      await assertRefused(Buffer.concat([OK_FILE, huge, Buffer.alloc(1 << 20)]), OK_FILE.length, /limit 1048576/, [65536]);
      const dangling = member({ name: '././@LongLink', type: 'L' }, 'name');
      await assertRefused(archive(OK_FILE, dangling), OK_FILE.length, /no member/);
      const malformed = member({ name: 'p', type: 'x' }, '99 path=x\n');
      await assertRefused(archive(OK_FILE, malformed, OK_FILE), OK_FILE.length, /malformed record/);
    });

    it('refuse a hostile member hidden after the end-of-archive zero blocks', async () => {
      const input = Buffer.concat([archive(OK_FILE), archive(member({ name: '/etc/cron.d/x' }, 'x'))]);
      await assertRefused(input, OK_FILE.length + END.length, /absolute path/);
    });

    it('follow a pax size override, so data cannot pose as a header', async () => {
      // The member's real data (pax size 1024) contains what looks like a hostile header.
      const fake = header({ name: '/etc/passwd' });
      const pax = member({ name: './PaxHeaders/f', type: 'x' }, paxData([['size', '1024']]));
      const input = archive(pax, header({ name: 'f', size: 0 }), fake, Buffer.alloc(BLOCK));
      const members = await assertPasses(input, [7, 512]);
      assert.deepEqual(members.map((m) => [m.name, m.size]), [['f', 1024]]);
    });

    it('decode base-256 sizes and accept signed checksums', async () => {
      const field = Buffer.alloc(12);
      field[0] = 0x80;
      field.writeUInt16BE(1000, 10);
      const data = Buffer.alloc(1000, 7);
      const input = archive(Buffer.concat([header({ name: 'b256', sizeField: field }), padded(data)]));
      assert.equal((await assertPasses(input, [511]))[0].size, 1000);
      const signed = archive(member({ name: 'caf\u00e9-\u00ff', checksum: 'signed' }, 'x'));
      assert.equal((await assertPasses(signed, [512])).length, 1);
      await assertRefused(archive(member({ name: 'ok', checksum: 'wrong' }, 'x')), 0, /not a tar stream or corrupted/);
    });

    it('refuse an empty stream and a stream without end marker', async () => {
      const empty = await runGuard(Buffer.alloc(0));
      assert.ok(empty.error instanceof EngineError);
      assert.match(empty.error.message, /empty archive/);
      const noEnd = await runGuard(OK_FILE);
      assert.ok(noEnd.error instanceof EngineError);
      assert.match(noEnd.error.message, /truncated archive/);
    });

    it('say where a stream that stops after a long name, an empty member or an empty dumpdir ends', async () => {
      const cases: [Buffer, string][] = [
        [Buffer.concat([OK_FILE, longName('L', 'name')]), 'Refusing to restore: truncated archive (the stream ends in the middle of a member after 2048 bytes)'],
        [Buffer.concat([OK_FILE, header({ name: 'e' })]), 'Refusing to restore: truncated archive (the stream has no end-of-archive marker after 1536 bytes)'],
        [header({ name: './', type: 'D' }), 'Refusing to restore: archive member "./" has an unterminated dumpdir'],
      ];
      for (const [input, message] of cases) {
        const r = await runGuard(input);
        assert.ok(r.error instanceof EngineError, String(r.error));
        assert.equal(r.error.message, message);
      }
    });

    it('read numeric fields as GNU tar does: leading NUL and blanks, any terminator or none; refuse garbage', async () => {
      for (const raw of ['\0\t 0000005\r\0\0', '000000000005', '     5 \0\0\0\0\0']) {
        const input = archive(Buffer.concat([header({ name: 'n', sizeField: Buffer.from(raw, 'latin1') }), padded(Buffer.from('12345'))]));
        assert.deepEqual((await assertPasses(input, [512])).map((m) => m.size), [5], JSON.stringify(raw));
      }
      const corrupt = /^Refusing to restore: not a tar stream or corrupted \(bad header checksum or size at byte 0\)$/;
      // Garbage after the digits (a control byte is no blank), or blanks only: GNU tar errors too.
      for (const raw of ['00000000005x', '00000000005\x01', ' '.repeat(12)]) {
        await assertRefused(archive(header({ name: 'n', sizeField: Buffer.from(raw, 'latin1') })), 0, corrupt, [512]);
      }
      // The checksum is octal only, and only bytes over 127 are negative as signed chars.
      const setChecksum = (b: Buffer, write: (field: Buffer) => void) => { write(b.subarray(148, 156)); return b; };
      const unsigned = (b: Buffer) => { let sum = 0; for (const [i, x] of b.entries()) sum += i >= 148 && i < 156 ? 0x20 : x; return sum; };
      const b256Sum = setChecksum(header({ name: 'n' }), (f) => { f.fill(0); f[0] = 0x80; });
      b256Sum.writeUInt16BE(unsigned(b256Sum), 154);
      const del = header({ name: 'n\x7f' });
      setChecksum(del, (f) => f.write(octal(unsigned(del) - 256, 7)));
      for (const h of [b256Sum, del]) await assertRefused(archive(h), 0, corrupt, [512]);
      // A checksum field that is not a number is no checksum at all.
      await assertRefused(archive(rawHeader({ name: 'n' }, () => undefined).fill('x', 148, 155)), 0, corrupt, [512]);
      // Base-256 sizes beyond 2^53-1 cannot be followed exactly; 2^53-1 itself is read.
      const b256 = (hi: number) => {
        const field = Buffer.alloc(12);
        field[0] = 0x80;
        field.writeUIntBE(hi, 5, 1);
        field.writeUIntBE(0xffffffffffff, 6, 6);
        return header({ name: 'big', sizeField: field });
      };
      await assertRefused(b256(0x20), 0, corrupt, [512]);
      const r = await runGuard(b256(0x1f));
      assert.ok(r.error instanceof EngineError);
      assert.match(r.error.message, /truncated archive \(the stream ends in the middle of a member after 512 bytes\)/);
    });

    it('read a 100-byte name that has no NUL to its field end, and report names as UTF-8 text', async () => {
      const full = `${'n'.repeat(97)}/..`;
      await assertRefused(archive(OK_FILE, member({ name: full }, 'x')), OK_FILE.length, exactly(`Refusing to restore: archive member "${full}" has a '..' component`));
      const names = (await assertPasses(archive(member({ name: 'f'.repeat(100) }, 'x'), member({ name: Buffer.from('caf\u00e9', 'utf8').toString('latin1') }, 'y')), [512])).map((m) => m.name);
      assert.deepEqual(names, ['f'.repeat(100), 'caf\u00e9']);
    });

    it('let names with dots that are not a .. component through', async () => {
      const names = (await assertPasses(archive(member({ name: 'a..b/...' }, 'x'), member({ name: '..x' }, 'y')), [512])).map((m) => m.name);
      assert.deepEqual(names, ['a..b/...', '..x']);
    });

    it('refuse an empty member name', async () => {
      await assertRefused(archive(OK_FILE, member({ name: '' }, 'x')), OK_FILE.length, exactly('Refusing to restore: archive member with an empty name'));
    });

    it('check every name tar might use: a GNU long name under a pax path, every pax path, the same for link targets', async () => {
      const refusals: [Buffer, string][] = [
        [Buffer.concat([longName('L', '../x'), pax([['path', 'safe']]), member({ name: 'h' }, 'x')]), `"safe" has a '..' component (GNU long name "../x")`],
        [Buffer.concat([pax([['path', '../x'], ['path', 'safe']]), member({ name: 'h' }, 'x')]), `"safe" has a '..' component (pax path "../x")`],
        [Buffer.concat([longName('K', '/etc/x'), pax([['linkpath', 'ok']]), member({ name: 'h', type: '1', linkname: 'ok' })]), '"h" is an absolute path (GNU long link "/etc/x")'],
        [Buffer.concat([pax([['linkpath', '../x'], ['linkpath', 'ok']]), member({ name: 'h', type: '1', linkname: 'ok' })]), `"h" has a '..' component (pax linkpath "../x")`],
        // 'X' is the old (Solaris) name of a pax extended header: GNU tar applies it like 'x'.
        [Buffer.concat([pax([['path', '../x']], 'X'), member({ name: 'safe' }, 'x')]), `"../x" has a '..' component`],
      ];
      for (const [m, reason] of refusals) {
        await assertRefused(archive(OK_FILE, m), OK_FILE.length, exactly(`Refusing to restore: archive member ${reason}`), [512, 65536]);
      }
    });

    it('take the last non-empty pax path, and the header name when pax names none', async () => {
      const input = archive(pax([['path', 'a'], ['path', '']]), member({ name: 'h' }, 'x'), pax([['path', '']]), member({ name: 'g' }, 'y'));
      assert.deepEqual((await assertPasses(input, [512])).map((m) => m.name), ['a', 'g']);
    });

    it('pass the types tar extracts plainly, reporting an old-style NUL type as a regular file', async () => {
      const input = archive(
        member({ name: 'old', type: '\0' }, 'x'), member({ name: 'contig', type: '7' }, 'y'), member({ name: 'fifo', type: '6' }),
        member({ name: 'dir/', type: '0' }),
      );
      assert.deepEqual((await assertPasses(input, [512])).map((m) => m.type), ['0', '7', '6', '0']);
      await assertRefused(archive(OK_FILE, member({ name: 'fifo', type: '6' }, 'data')), OK_FILE.length,
        exactly(`Refusing to restore: archive member "fifo" of type '6' carries 4 bytes of data`));
    });

    it('refuse a second long name, long link or pax header before a member, and a global header amid them', async () => {
      const name = (n: string) => member({ name: n }, 'x');
      const cases: [Buffer, string][] = [
        [Buffer.concat([longName('L', 'a'), longName('L', 'b'), name('f')]), `unexpected 'L' header near "././@LongLink"`],
        [Buffer.concat([longName('K', 'a'), longName('K', 'b'), name('f')]), `unexpected 'K' header near "././@LongLink"`],
        [Buffer.concat([pax([['mtime', '1']]), pax([['mtime', '2']], 'x', 'second'), name('f')]), `unexpected 'x' header near "second"`],
        [Buffer.concat([pax([['mtime', '1']]), pax([['mtime', '2']], 'X', 'second'), name('f')]), `unexpected 'X' header near "second"`],
        [Buffer.concat([longName('L', 'a'), pax([['comment', 'c']], 'g', 'glob'), name('f')]), 'unexpected global pax header near "glob"'],
      ];
      for (const [m, reason] of cases) await assertRefused(archive(OK_FILE, m), OK_FILE.length, exactly(`Refusing to restore: ${reason}`), [512, 65536]);
      // A long name and a long link (and a pax header) may all describe one member.
      const both = Buffer.concat([longName('K', 'target'), longName('L', 'linkname'), pax([['mtime', '1']]), member({ name: 'l', type: '2', linkname: 't' })]);
      const paxFirst = Buffer.concat([pax([['mtime', '1']]), longName('L', 'other'), longName('K', 'target'), member({ name: 'l', type: '2', linkname: 't' })]);
      assert.deepEqual((await assertPasses(archive(both, paxFirst), [512])).map((m) => m.name), ['linkname', 'other']);
    });

    it('refuse over-long metadata and dumpdirs before buffering them, and accept the limits themselves', async () => {
      const over: [Buffer, string][] = [
        [header({ name: 'p', type: 'x', size: (1 << 20) + 1 }), `'x' header of 1048577 bytes (limit 1048576)`],
        [header({ name: 'g', type: 'g', size: (1 << 20) + 1 }), 'global pax header of 1048577 bytes (limit 1048576)'],
        [header({ name: './', type: 'D', size: (64 << 20) + 1 }), 'archive member "./" has a 67108865-byte dumpdir (limit 67108864)'],
      ];
      for (const [h, reason] of over) await assertRefused(Buffer.concat([OK_FILE, h]), OK_FILE.length, exactly(`Refusing to restore: ${reason}`), [65536]);
      // At the limit the header is taken: the stream then ends inside the awaited payload.
      for (const h of [header({ name: 'l', type: 'L', size: 1 << 20 }), header({ name: './', type: 'D', size: 64 << 20 })]) {
        const r = await runGuard(Buffer.concat([OK_FILE, h]));
        assert.ok(r.error instanceof EngineError);
        assert.equal(r.error.message, 'Refusing to restore: truncated archive (the stream ends in the middle of a member after 1536 bytes)');
      }
    });

    it('refuse pax records GNU tar would read differently, naming the record', async () => {
      const malformed = 'Refusing to restore: pax header "p" has a malformed record at offset 0';
      const cases: [string, string][] = [
        ['12:path=abc\n', malformed], // no blank after the length
        ['1: path=abcdefghijk\n', malformed], // a non-digit inside the length
        ['10 path=xyz\n', malformed], // the length does not end on the newline
        ['7 abcd\n9 path=x\n', malformed], // no '=' inside the record (only in the next)
        ['7 abcd\n5 =x\n', malformed], // ... nor just past its end
        ['5 =x\n', malformed], // empty keyword
        ['11 pa\0th=x\n', 'Refusing to restore: pax header "p" has a NUL byte inside a keyword'],
        ['11 mtime=1\n\0x', 'Refusing to restore: pax header "p" has data after its terminating NUL'],
      ];
      for (const [data, message] of cases) {
        await assertRefused(archive(OK_FILE, rawPax(data), member({ name: 'f' }, 'x')), OK_FILE.length, exactly(message), [512]);
      }
      // An empty value, and NUL padding after the last record, are fine.
      assert.equal((await assertPasses(archive(rawPax('12 comment=\n11 mtime=1\n\0\0'), member({ name: 'f' }, 'x')), [512])).length, 1);
    });

    it('refuse pax keywords that would change what tar reads: sparse maps, bad sizes, per-member keywords in a global header', async () => {
      const refusals: [Buffer, string][] = [
        [pax([['GNU.sparse.size', '10']]), 'pax header "./PaxHeaders/f" describes a sparse file (not supported)'],
        [pax([['size', '12x']]), 'pax header "./PaxHeaders/f" has a bad size "12x"'],
        [pax([['size', 'x12']]), 'pax header "./PaxHeaders/f" has a bad size "x12"'],
        [pax([['size', '']]), 'pax header "./PaxHeaders/f" has a bad size ""'],
        [pax([['size', '1234567890123456']]), 'pax header "./PaxHeaders/f" has a bad size "1234567890123456"'],
        ...['path', 'linkpath', 'GNU.dumpdir'].map((k): [Buffer, string] => [pax([[k, 'x']], 'g', 'glob'), `pax header "glob" is global but sets "${k}"`]),
      ];
      for (const [h, reason] of refusals) {
        await assertRefused(archive(OK_FILE, h, member({ name: 'f' }, 'x')), OK_FILE.length, exactly(`Refusing to restore: ${reason}`), [512]);
      }
    });
  });

  describe('with a symlink tracker (restores across levels)', () => {
    const symlink = (name: string, target = '/etc') => member({ name, type: '2', linkname: target });
    const below = (name: string, what: string, link: string) =>
      exactly(`Refusing to restore: archive member "${name}" (${what}) lies below the symlink "${link}", which tar would follow`);

    async function guarded(input: Buffer): Promise<Outcome> {
      return runGuard(input, 512, undefined, { links: new LinkTracker() });
    }

    async function refusedWithLinks(input: Buffer, message: RegExp): Promise<void> {
      const r = await guarded(input);
      assert.ok(r.error instanceof EngineError, `expected EngineError, got ${String(r.error)}`);
      assert.match(r.error.message, message);
    }

    it('refuse a member name or hard link target below a symlink of the archive, also via a pax linkpath', async () => {
      await refusedWithLinks(archive(symlink('s'), member({ name: 's/x' }, 'x')), below('s/x', 'its name', 's'));
      await refusedWithLinks(archive(symlink('s'), member({ name: 'h', type: '1', linkname: 's/passwd' })), below('h', 'its hard link target', 's'));
      const viaPax = Buffer.concat([pax([['linkpath', 's/passwd']]), member({ name: 'h', type: '1', linkname: 'ok' })]);
      await refusedWithLinks(archive(symlink('s'), viaPax), below('h', 'its hard link target', 's'));
      assert.equal((await guarded(archive(symlink('s'), member({ name: 'h', type: '1', linkname: 'ok' }), member({ name: 'plain' }, 'x')))).error, null);
      // A symlink's target is not a path tar writes to: one pointing below another symlink is fine.
      assert.equal((await guarded(archive(symlink('s'), symlink('l', 's/x')))).error, null);
    });

    it('follow dumpdir renames: a symlink moves with its directory (R/T, swapped via X, and in a pax GNU.dumpdir)', async () => {
      const renames = [
        member({ name: './', type: 'D' }, 'Da\0R./a\0T./b\0\0'),
        member({ name: './', type: 'D' }, 'Da\0Db\0X./tmp\0R./a\0T\0R./b\0T./a\0R\0T./b\0\0'),
        Buffer.concat([pax([['GNU.dumpdir', 'Da\0R./a\0T./b\0\0']]), member({ name: './', type: '5', magic: 'posix' })]),
      ];
      for (const rename of renames) {
        await refusedWithLinks(archive(symlink('a/link'), rename, member({ name: 'b/link/x' }, 'x')), below('b/link/x', 'its name', 'b/link'));
        // tar goes on when a rename fails (checked with GNU tar: a non-empty target), so the old
        // name may still be the symlink: refused too, until a member replaces it.
        await refusedWithLinks(archive(symlink('a/link'), rename, member({ name: 'a/link/x' }, 'x')), below('a/link/x', 'its name', 'a/link'));
        const replaced = archive(symlink('a/link'), rename, member({ name: 'a/link', type: '5' }), member({ name: 'a/link/x' }, 'x'));
        assert.equal((await guarded(replaced)).error, null);
      }
      // An X entry names where tar makes its temporary directory: it renames nothing.
      const lateX = member({ name: './', type: 'D' }, 'R./a\0T./b\0X./t\0\0');
      assert.equal((await guarded(archive(symlink('a/link'), lateX, member({ name: 't/link/x' }, 'x')))).error, null);
      // A rename tar does not make (its R and T are apart) must not move the tracked symlink away
      // from the name a later member writes through: the dumpdir is refused.
      const apart = member({ name: './', type: 'D' }, 'R./a\0Yz\0T./b\0\0');
      await refusedWithLinks(archive(symlink('a/link'), apart, member({ name: 'a/link/x' }, 'x')), /malformed dumpdir/);
    });

    it('refuse a dumpdir rename through a symlink', async () => {
      const rename = member({ name: './', type: 'D' }, 'R./s/etc\0T./x\0\0');
      await refusedWithLinks(archive(symlink('s', '/'), rename), below('./', 'dumpdir entry "R./s/etc"', 's'));
      // tar makes its temporary directory under the X path.
      const temp = member({ name: './', type: 'D' }, 'X./s/tmp\0R./a\0T\0R\0T./b\0\0');
      await refusedWithLinks(archive(symlink('s', '/'), temp), below('./', 'dumpdir entry "X./s/tmp"', 's'));
    });

    it('park a swapped rename under a name no member has, not even a symlink named "."', async () => {
      const swap = member({ name: './', type: 'D' }, 'X.\0R./a\0T\0R\0T./b\0\0');
      assert.equal((await guarded(archive(symlink('.'), swap, member({ name: 'b/x' }, 'x')))).error, null);
      await refusedWithLinks(archive(symlink('a'), swap, member({ name: 'b/x' }, 'x')), below('b/x', 'its name', 'b'));
    });
  });
});
