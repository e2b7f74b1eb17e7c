import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { EngineError } from '../../../../src/engine/engine-error';
import { MemberGuard, type MemberInfo } from '../../../../src/engine/tar';

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

function runGuard(input: Buffer, split = 65536, sink?: Writable): Promise<Outcome> {
  const members: MemberInfo[] = [];
  const guard = new MemberGuard({ onMember: (m) => members.push(m) });
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
      await assertRefused(bad, at, /not a tar stream or corrupted/);
      await assertRefused(crypto.randomBytes(4 * BLOCK), 0, /not a tar stream or corrupted/);
    });

    it('refuse a truncated archive', async () => {
      const big = level0.indexOf('./big.bin\0', 0, 'latin1');
      for (const cut of [big + BLOCK + 1000, big + 100, big]) {
        const r = await runGuard(level0.subarray(0, cut), 4096);
        assert.ok(r.error instanceof EngineError, `cut at ${cut}`);
        assert.match(r.error.message, /truncated archive/);
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
      await assertRefused(archive(OK_FILE, member({ name: 'a/../../evil' }, 'x')), OK_FILE.length, /"a\/\.\.\/\.\.\/evil" has a '\.\.' component/);
      await assertRefused(archive(member({ name: '..' , type: '5' })), 0, /'\.\.' component/);
    });

    it('refuse hard links to absolute or .. targets, also via GNU long links and pax linkpath', async () => {
      await assertRefused(archive(OK_FILE, member({ name: 'passwd', type: '1', linkname: '/etc/passwd' })), OK_FILE.length,
        /"passwd" is an absolute path \(hard link target "\/etc\/passwd"\)/);
      const longLink = member({ name: '././@LongLink', type: 'K' }, `${'a/'.repeat(60)}../../../../x`);
      await assertRefused(archive(OK_FILE, longLink, member({ name: 'h', type: '1', linkname: 'a/a' })), OK_FILE.length, /"h" has a '\.\.' component/);
      const pax = member({ name: './PaxHeaders/h', type: 'x' }, paxData([['linkpath', '../x']]));
      await assertRefused(archive(OK_FILE, pax, member({ name: 'h', type: '1', linkname: 'ok' })), OK_FILE.length, /pax linkpath|hard link target/);
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
  });
});
