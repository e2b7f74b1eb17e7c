import { Transform, type TransformCallback } from 'node:stream';
import { EngineError } from '../engine-error';
import type { LinkTracker } from './link-tracker';

/**
 * Restore-side safety guard: checks every member header of a GNU tar stream before any of its
 * bytes reach `tar --incremental --extract`, and fails the restore on anything that could write
 * outside the target directory or that it cannot parse exactly as GNU tar would.
 *
 * The hard part is not the path checks but staying in step with GNU tar: the guard must find the
 * same member boundaries tar will, or a hostile archive could hide a header inside what the
 * guard believes is file data. So wherever GNU tar's idea of a member's length is ambiguous or
 * depends on code paths we do not model (sparse maps, data on links/dirs/devices, a global pax
 * `size`), the guard refuses instead of guessing. Archives written by our backups (GNU format,
 * --listed-incremental, no --sparse) never hit those refusals.
 *
 * Bytes are forwarded unchanged. File data goes through as slices of the incoming chunks; only
 * headers, long names, pax records and dumpdirs are held back until the member they describe is
 * approved, so nothing of a refused member is ever emitted.
 */

export interface MemberInfo {
  /** Effective member name (long name / pax path / ustar prefix applied). */
  name: string;
  /** Typeflag ('0' regular, '1' hard link, '2' symlink, '5' directory, 'D' dumpdir, ...). */
  type: string;
  /** Bytes of data the member carries in the archive. */
  size: number;
}

export interface MemberGuardOptions {
  /** Called once per approved member (not for long-name / pax headers), e.g. for progress. */
  onMember?: (member: MemberInfo) => void;
  /** Symlinks extracted so far, shared by the levels of one restore (see LinkTracker). */
  links?: LinkTracker;
  /**
   * Refuse setuid/setgid members and device nodes: for restores from jobs the agent confines
   * (EngineContext.confined), where they would hand the job's author the agent's privileges.
   */
  refuseSetIdAndDevices?: boolean;
}

const BLOCK = 512;
const ZERO_BLOCK = Buffer.alloc(BLOCK);
const EMPTY = Buffer.alloc(0);
/** Long names and pax records are tiny in practice; the cap bounds what we must hold in memory. */
const MAX_META_BYTES = 1 << 20;
/** A dumpdir lists one directory: even a million entries stay well below this. */
const MAX_DUMPDIR_BYTES = 64 << 20;

const REGULAR_TYPES = new Set(['0', '\0', '7']);
/**
 * Types that must carry no data. GNU tar is inconsistent about data on them (it never skips a
 * directory's "data", always treats a hard link's size as 0, and does not consume data after
 * extracting a symlink or device), so any size other than 0 would desynchronise us from tar.
 */
const DATALESS_TYPES = new Set(['1', '2', '3', '4', '5', '6']);

// ---------------------------------------------------------------------------------------------
// Header fields

interface Header {
  type: string;
  size: number;
  /** The mode field (permission bits with setuid/setgid/sticky), as GNU tar reads it; null: not a number we read. */
  mode: number | null;
  /** Names are kept as latin1 strings: one char per byte, so the path checks are byte-exact. */
  name: string;
  linkname: string;
}

function cString(buf: Buffer, start: number, length: number): string {
  const end = buf.indexOf(0, start);
  return buf.toString('latin1', start, end < 0 || end > start + length ? start + length : end);
}

/** Latin1 byte string to text for messages and progress (names are UTF-8 in practice). */
function display(name: string): string {
  return Buffer.from(name, 'latin1').toString('utf8');
}

function isSpace(b: number): boolean {
  return b === 0x20 || (b >= 0x09 && b <= 0x0d);
}

function isOctal(b: number): boolean {
  return b >= 0x30 && b <= 0x37;
}

/** GNU tar's base-256 encoding (leading 0x80) used for sizes of 8 GiB and more. */
function base256(field: Buffer, start: number): number | null {
  let value = field[start] & 0x3f;
  for (let i = start + 1; i < field.length; i++) {
    value = value * 256 + field[i];
    if (value > Number.MAX_SAFE_INTEGER) return null;
  }
  return value;
}

/**
 * A numeric header field as GNU tar's from_header reads it: an optional leading NUL, blanks,
 * octal digits ended by NUL / blank / end of field, or base-256. Its other encodings (negative
 * base-256, the 1999 base-64) are refused: never written by a tar we restore from.
 */
function numericField(block: Buffer, start: number, length: number, octalOnly: boolean): number | null {
  const field = block.subarray(start, start + length);
  let i = field[0] === 0 ? 1 : 0;
  while (i < field.length && isSpace(field[i])) i++;
  if (i === field.length) return null;
  if (field[i] === 0x80 && !octalOnly) return base256(field, i);
  let value = 0;
  for (; i < field.length && isOctal(field[i]); i++) value = value * 8 + field[i] - 0x30;
  return i === field.length || field[i] === 0 || isSpace(field[i]) ? value : null;
}

/** Sum of the header bytes, the chksum field counting as blanks; also the high bytes' count. */
function headerSum(block: Buffer): { sum: number; high: number } {
  let sum = 8 * 0x20;
  let high = 0;
  for (let i = 0; i < BLOCK; i++) {
    if (i === 148) i = 156;
    sum += block[i];
    if (block[i] > 127) high++;
  }
  return { sum, high };
}

/** GNU tar accepts either sum: some old tars added the header bytes as signed chars. */
function checksumMatches(block: Buffer): boolean {
  const recorded = numericField(block, 148, 8, true);
  if (recorded === null) return false;
  const { sum, high } = headerSum(block);
  return recorded === sum || recorded === sum - 256 * high;
}

/** The ustar prefix is a name part only with the POSIX magic: old-GNU headers keep times there. */
function headerName(block: Buffer): string {
  const name = cString(block, 0, 100);
  const posix = block.toString('latin1', 257, 263) === 'ustar\0';
  if (!posix || block[345] === 0) return name;
  return `${cString(block, 345, 155)}/${name}`;
}

function parseHeader(block: Buffer): Header | null {
  const size = numericField(block, 124, 12, false);
  if (size === null) return null;
  return {
    type: String.fromCharCode(block[156]),
    size,
    mode: numericField(block, 100, 8, false),
    name: headerName(block),
    linkname: cString(block, 157, 100),
  };
}

// ---------------------------------------------------------------------------------------------
// Path checks

function pathProblem(path: string): string | null {
  if (path.startsWith('/')) return 'is an absolute path';
  if (path.includes('..') && path.split('/').includes('..')) return "has a '..' component";
  return null;
}

function refuseMember(name: string, reason: string): EngineError {
  return new EngineError(`Refusing to restore: archive member "${display(name)}" ${reason}`);
}

function checkPath(member: string, path: string, what: string): void {
  const problem = pathProblem(path);
  if (problem !== null) {
    const subject = path === member ? '' : ` (${what} "${display(path)}")`;
    throw refuseMember(member, `${problem}${subject}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Pax extended headers

interface PaxFields {
  /** Every `path` / `linkpath` value, in order: all are checked, GNU tar uses the last. */
  paths: string[];
  links: string[];
  size?: number;
  dumpdir?: Buffer;
}

/** Keywords that would change every later member: GNU tar never writes them in a global header. */
const PER_MEMBER_KEYWORDS = new Set(['path', 'linkpath', 'size', 'GNU.dumpdir']);

function badPax(label: string, reason: string): EngineError {
  return new EngineError(`Refusing to restore: pax header "${display(label)}" ${reason}`);
}

function applyPaxRecord(fields: PaxFields, keyword: string, value: Buffer, global: boolean, at: string): void {
  if (keyword.startsWith('GNU.sparse.')) throw badPax(at, 'describes a sparse file (not supported)');
  if (global && PER_MEMBER_KEYWORDS.has(keyword)) throw badPax(at, `is global but sets "${keyword}"`);
  if (keyword === 'path' || keyword === 'linkpath') {
    // GNU tar reads these as C strings: a NUL would hide the rest of the value from our check.
    if (value.includes(0)) throw badPax(at, `has a NUL byte inside ${keyword} ${JSON.stringify(display(value.toString('latin1')))}`);
    (keyword === 'path' ? fields.paths : fields.links).push(value.toString('latin1'));
  } else if (keyword === 'size') {
    const text = value.toString('latin1');
    if (!/^\d{1,15}$/.test(text)) throw badPax(at, `has a bad size "${text}"`);
    fields.size = Number(text);
  } else if (keyword === 'GNU.dumpdir') {
    fields.dumpdir = value;
  }
}

/** One `<length> <keyword>=<value>\n` record; returns the offset of the next one. */
function paxRecord(buf: Buffer, pos: number, fields: PaxFields, global: boolean, at: string): number {
  let i = pos;
  let length = 0;
  for (; i < buf.length && buf[i] >= 0x30 && buf[i] <= 0x39 && length <= buf.length; i++) {
    length = length * 10 + buf[i] - 0x30;
  }
  const end = pos + length;
  if (i === pos || buf[i] !== 0x20 || end > buf.length || buf[end - 1] !== 0x0a) {
    throw badPax(at, `has a malformed record at offset ${pos}`);
  }
  const eq = buf.indexOf(0x3d, i + 1);
  if (eq <= i + 1 || eq > end - 2) throw badPax(at, `has a malformed record at offset ${pos}`);
  const keyword = buf.toString('latin1', i + 1, eq);
  if (keyword.includes('\0')) throw badPax(at, 'has a NUL byte inside a keyword');
  applyPaxRecord(fields, keyword, buf.subarray(eq + 1, end - 1), global, at);
  return end;
}

/**
 * Strict reading of a pax payload. GNU tar stops at the first record it finds malformed and
 * silently ignores the rest (including a `size`), so any record we would read differently from
 * tar is refused rather than skipped.
 */
function parsePax(payload: Buffer, global: boolean, at: string): PaxFields {
  const fields: PaxFields = { paths: [], links: [] };
  let pos = 0;
  while (pos < payload.length && payload[pos] !== 0) pos = paxRecord(payload, pos, fields, global, at);
  for (; pos < payload.length; pos++) {
    if (payload[pos] !== 0) throw badPax(at, 'has data after its terminating NUL');
  }
  return fields;
}

// ---------------------------------------------------------------------------------------------
// GNU incremental dumpdirs

/**
 * Checks one entry of a dumpdir. Y/N/D entries name children of the directory: a plain name.
 * R/T (rename source/target) and X (temporary directory) entries are paths from the archive root
 * (`R./old`, `T./new`, `X.`), which tar renames / creates directories at without the member-name
 * checks it applies to headers: they must stay inside the target. An empty R/T stands for the
 * X temporary directory (swapped renames).
 */
function checkDumpdirEntry(member: string, code: number, entry: string): void {
  const letter = String.fromCharCode(code);
  if (letter === 'Y' || letter === 'N' || letter === 'D') {
    if (entry === '' || entry === '.' || entry === '..' || entry.includes('/')) {
      throw refuseMember(member, `lists unsafe dumpdir entry "${letter}${display(entry)}"`);
    }
  } else if (letter === 'R' || letter === 'T' || letter === 'X') {
    if (letter === 'X' && entry === '') throw refuseMember(member, "has an empty dumpdir 'X' entry");
    const problem = pathProblem(entry);
    if (problem !== null) {
      throw refuseMember(member, `lists unsafe dumpdir entry "${letter}${display(entry)}" (${problem})`);
    }
  } else {
    throw refuseMember(member, `has an unknown dumpdir entry code ${JSON.stringify(letter)}`);
  }
}

/**
 * NUL-terminated entries, each a code letter and a name, ended by an empty entry. Returns the
 * R/T/X entries in order (the directory renames tar will make).
 *
 * The order rules are GNU tar's (dumpdir_ok): each R is followed by its T, at most one X, and an
 * empty R/T (the temporary directory) needs the X. Tar makes none of a dumpdir's renames when a
 * rule is broken, while the symlink tracker would follow them: such a dumpdir is refused.
 */
function checkDumpdir(member: string, data: Buffer): Array<{ letter: string; entry: string }> {
  const renames: Array<{ letter: string; entry: string }> = [];
  const malformed = (why: string) => refuseMember(member, `has a malformed dumpdir (${why})`);
  const unpairedR = (r: string) => malformed(`"R${display(r)}" is not followed by a 'T' entry`);
  let hasTemp = false;
  let pendingR: string | null = null;
  let pos = 0;
  for (;;) {
    const nul = data.indexOf(0, pos);
    if (nul < 0) throw refuseMember(member, 'has an unterminated dumpdir');
    if (nul === pos) break;
    const entry = data.toString('latin1', pos + 1, nul);
    checkDumpdirEntry(member, data[pos], entry);
    const letter = String.fromCharCode(data[pos]);
    if (pendingR !== null && letter !== 'T') throw unpairedR(pendingR);
    if (letter === 'X') {
      if (hasTemp) throw malformed("a second 'X' entry");
      hasTemp = true;
    } else if (letter === 'R' || letter === 'T') {
      if (letter === 'T' && pendingR === null) throw malformed(`"T${display(entry)}" does not follow an 'R' entry`);
      if (entry === '' && !hasTemp) throw malformed(`an empty '${letter}' entry with no 'X' entry before it`);
      // An empty R moves the temporary directory back: tar wants a new X before the next empty name.
      if (letter === 'R' && entry === '') hasTemp = false;
      pendingR = letter === 'R' ? entry : null;
    }
    if (letter === 'R' || letter === 'T' || letter === 'X') renames.push({ letter, entry });
    pos = nul + 1;
  }
  if (pendingR !== null) throw unpairedR(pendingR);
  for (pos++; pos < data.length; pos++) {
    if (data[pos] !== 0) throw refuseMember(member, 'has data after the end of its dumpdir');
  }
  return renames;
}

/**
 * Where a swapped rename parks a directory: tar makes a fresh temporary directory under the X
 * entry's path, so the tracker uses a name no member can have (names never hold a NUL).
 */
const SWAP_TEMP = '\0swap';

/**
 * Applies a dumpdir's renames to the tracked symlinks: R<from> T<to> pairs (checkDumpdir made
 * sure each R has its T), where an empty name stands for the temporary directory.
 */
function applyRenames(links: LinkTracker, member: string, renames: Array<{ letter: string; entry: string }>): void {
  let from = SWAP_TEMP;
  for (const { letter, entry } of renames) {
    // tar renames and creates these paths as they are: none may go through a symlink.
    if (entry !== '') links.check(display(member), entry, `dumpdir entry "${letter}${display(entry)}"`);
    const path = entry === '' ? SWAP_TEMP : entry;
    if (letter === 'R') from = path;
    else if (letter === 'T') links.rename(from, path);
  }
}

// ---------------------------------------------------------------------------------------------
// Members

/** Long names and pax records read so far for the next member. */
interface Chain {
  longName?: string;
  longLink?: string;
  pax?: PaxFields;
}

interface Member {
  name: string;
  type: string;
  size: number;
  link: string;
}

/** The name, link and size GNU tar will use: pax over GNU long name/link over the header. */
function resolveMember(header: Header, chain: Chain): Member {
  const pax = chain.pax;
  const paxPath = pax?.paths.filter((p) => p !== '').pop();
  const paxLink = pax?.links[pax.links.length - 1];
  return {
    name: paxPath ?? chain.longName ?? header.name,
    type: header.type,
    size: pax?.size ?? header.size,
    link: paxLink ?? chain.longLink ?? header.linkname,
  };
}

function checkType(member: Member): void {
  const { name, type, size } = member;
  if (DATALESS_TYPES.has(type)) {
    if (size !== 0) throw refuseMember(name, `of type '${type}' carries ${size} bytes of data`);
  } else if (REGULAR_TYPES.has(type)) {
    // tar extracts a regular member whose name ends in '/' as a directory, skipping no data.
    if (size !== 0 && name.endsWith('/')) throw refuseMember(name, 'is a file with a directory name');
  } else if (type === 'S') {
    throw refuseMember(name, 'is a sparse file (not supported: tar reads its data per its sparse map)');
  } else if (type !== 'D') {
    throw refuseMember(name, `has an unsupported type ${JSON.stringify(type)}`);
  }
}

/**
 * Symlink targets are deliberately not checked: absolute or '..' targets are legitimate in
 * backups (e.g. /etc/alternatives links). GNU tar defends against writing through them itself:
 * it extracts such a symlink as a placeholder file and creates the real link only after every
 * other member of that run, so a later "link/file" member fails instead of escaping. (That
 * defence covers one tar run only, not symlinks left in the target by an earlier restore level.)
 */
function checkMember(member: Member, header: Header, chain: Chain): Array<{ letter: string; entry: string }> {
  if (member.name === '') throw new EngineError('Refusing to restore: archive member with an empty name');
  checkPath(member.name, member.name, 'name');
  if (chain.longName !== undefined) checkPath(member.name, chain.longName, 'GNU long name');
  for (const p of chain.pax?.paths ?? []) checkPath(member.name, p, 'pax path');
  if (header.type === '1') {
    checkPath(member.name, member.link, 'hard link target');
    if (chain.longLink !== undefined) checkPath(member.name, chain.longLink, 'GNU long link');
    for (const p of chain.pax?.links ?? []) checkPath(member.name, p, 'pax linkpath');
  }
  checkType(member);
  if (member.type === 'D' && member.size > MAX_DUMPDIR_BYTES) {
    throw refuseMember(member.name, `has a ${member.size}-byte dumpdir (limit ${MAX_DUMPDIR_BYTES})`);
  }
  // POSIX-format incrementals only (ours are GNU format): the dumpdir comes in the pax header.
  return chain.pax?.dumpdir ? checkDumpdir(member.name, chain.pax.dumpdir) : [];
}

/** Setuid/setgid bits and device nodes, for confined restores (MemberGuardOptions.refuseSetIdAndDevices). */
function checkPrivileges(member: Member, header: Header): void {
  if (member.type === '3' || member.type === '4') {
    throw refuseMember(member.name, `is a ${member.type === '3' ? 'character' : 'block'} device node: jobs limited by the agent's allowed_paths may not create devices`);
  }
  // Only executables run with their owner's rights: setgid directories (group inheritance) are
  // fine, and a hard link gives no new rights (the file it links to was checked when it was made).
  if (!REGULAR_TYPES.has(member.type)) return;
  // A mode we cannot read, or with bits beyond 07777, could mean anything to tar: refused too.
  if (header.mode === null || header.mode > 0o7777) throw refuseMember(member.name, 'has a mode field this restore cannot check');
  if ((header.mode & 0o6000) !== 0) {
    const mode = header.mode.toString(8).padStart(4, '0');
    throw refuseMember(member.name, `is setuid or setgid (mode ${mode}): jobs limited by the agent's allowed_paths may not restore such files (restore it with permafrost action, as the operator)`);
  }
}

// ---------------------------------------------------------------------------------------------
// The stream

/** The payload of an L/K/x/g header, or the dumpdir of a 'D' member: buffered, then checked. */
interface Payload {
  type: string;
  size: number;
  /** The header's name, for messages. */
  label: string;
  member?: Member;
}

type Phase =
  | { kind: 'header' }
  | { kind: 'data'; left: number }
  | { kind: 'payload'; left: number; parts: Buffer[]; payload: Payload };

function padded(size: number): number {
  return Math.ceil(size / BLOCK) * BLOCK;
}

export class MemberGuard extends Transform {
  private readonly onMember?: (member: MemberInfo) => void;
  private readonly links?: LinkTracker;
  private readonly refuseSetId: boolean;
  private phase: Phase = { kind: 'header' };
  /** A header split across chunks. */
  private readonly partial = Buffer.alloc(BLOCK);
  private partialLen = 0;
  /** Bytes read but not yet approved (metadata headers, payloads), in stream order. */
  private held: Buffer[] = [];
  private chain: Chain = {};
  private lastBlockZero = false;
  /** The chunk being processed and the start of its approved-but-not-pushed run. */
  private chunk: Buffer = EMPTY;
  private runStart = 0;
  /** Bytes of the stream before the current chunk (offsets in messages, empty / truncated checks). */
  private base = 0;

  constructor(opts: MemberGuardOptions = {}) {
    super();
    this.onMember = opts.onMember;
    this.links = opts.links;
    this.refuseSetId = opts.refuseSetIdAndDevices ?? false;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      this.consume(chunk);
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    if (this.base === 0) return done(new EngineError('Refusing to restore: empty archive'));
    const midMember = this.phase.kind !== 'header' || this.partialLen > 0 || this.held.length > 0;
    if (midMember || !this.lastBlockZero) {
      const where = midMember ? 'ends in the middle of a member' : 'has no end-of-archive marker';
      return done(new EngineError(`Refusing to restore: truncated archive (the stream ${where} after ${this.base} bytes)`));
    }
    done();
  }

  /**
   * Approved bytes of a chunk are pushed as one slice (`runStart` up to where we are), so a
   * chunk full of small files costs one push, not two per member.
   */
  private consume(chunk: Buffer): void {
    this.chunk = chunk;
    this.runStart = 0;
    let off = 0;
    while (off < chunk.length) off = this.step(off);
    this.flushRun(chunk.length);
    this.chunk = EMPTY;
    this.base += chunk.length;
  }

  private step(off: number): number {
    switch (this.phase.kind) {
      case 'data':
        return this.passData(off, this.phase);
      case 'payload':
        return this.collectPayload(off, this.phase);
      default:
        return this.readBlock(off);
    }
  }

  private flushRun(to: number): void {
    if (to > this.runStart) this.push(this.chunk.subarray(this.runStart, to));
    this.runStart = to;
  }

  /** Takes [from, to) of the chunk out of the run and keeps a copy until it is approved. */
  private holdRange(from: number, to: number): Buffer {
    this.flushRun(from);
    const copy = Buffer.from(this.chunk.subarray(from, to));
    this.held.push(copy);
    this.runStart = to;
    return copy;
  }

  private releaseHeld(): void {
    for (const buf of this.held) this.push(buf);
    this.held = [];
  }

  private passData(off: number, phase: { left: number }): number {
    const n = Math.min(phase.left, this.chunk.length - off);
    phase.left -= n;
    if (phase.left === 0) this.phase = { kind: 'header' };
    return off + n;
  }

  private collectPayload(off: number, phase: Extract<Phase, { kind: 'payload' }>): number {
    const n = Math.min(phase.left, this.chunk.length - off);
    phase.parts.push(this.holdRange(off, off + n));
    phase.left -= n;
    if (phase.left === 0) this.endPayload(phase.payload, Buffer.concat(phase.parts).subarray(0, phase.payload.size));
    return off + n;
  }

  /** A whole block in the chunk is inspected in place; a split one is assembled in `partial`. */
  private readBlock(off: number): number {
    const avail = this.chunk.length - off;
    if (this.partialLen === 0 && avail >= BLOCK) {
      this.onBlock(this.chunk.subarray(off, off + BLOCK), off);
      return off + BLOCK;
    }
    const n = Math.min(BLOCK - this.partialLen, avail);
    this.chunk.copy(this.partial, this.partialLen, off, off + n);
    this.flushRun(off);
    this.runStart = off + n;
    this.partialLen += n;
    if (this.partialLen === BLOCK) {
      this.partialLen = 0;
      this.onBlock(Buffer.from(this.partial), -1, this.base + off + n - BLOCK);
    }
    return off + n;
  }

  /** `at` is the block's offset in the chunk, or -1 for an assembled copy. */
  private approveBlock(block: Buffer, at: number): void {
    this.releaseHeld();
    if (at < 0) this.push(block);
  }

  private holdBlock(block: Buffer, at: number): void {
    if (at >= 0) this.holdRange(at, at + BLOCK);
    else this.held.push(block);
  }

  private onBlock(block: Buffer, at: number, streamOffset = this.base + at): void {
    if (block.equals(ZERO_BLOCK)) return this.onZeroBlock(block, at, streamOffset);
    this.lastBlockZero = false;
    const header = checksumMatches(block) ? parseHeader(block) : null;
    if (header === null) {
      throw new EngineError(
        `Refusing to restore: not a tar stream or corrupted (bad header checksum or size at byte ${streamOffset})`,
      );
    }
    if ('LKxXg'.includes(header.type)) return this.onMetaHeader(block, at, header);
    this.onMemberHeader(block, at, header);
  }

  /**
   * End-of-archive marker. Restores run tar with --ignore-zeros, which reads on past it, so the
   * guard keeps checking whatever follows (concatenated archives).
   */
  private onZeroBlock(block: Buffer, at: number, streamOffset: number): void {
    if (this.held.length > 0) {
      throw new EngineError(`Refusing to restore: long-name or pax header with no member at byte ${streamOffset}`);
    }
    this.lastBlockZero = true;
    this.approveBlock(block, at);
  }

  private onMetaHeader(block: Buffer, at: number, header: Header): void {
    const chain = this.chain;
    const subject = header.type === 'g' ? 'global pax header' : `'${header.type}' header`;
    const duplicate =
      (header.type === 'L' && chain.longName !== undefined) ||
      (header.type === 'K' && chain.longLink !== undefined) ||
      ((header.type === 'x' || header.type === 'X') && chain.pax !== undefined) ||
      (header.type === 'g' && this.held.length > 0);
    if (duplicate) throw new EngineError(`Refusing to restore: unexpected ${subject} near "${display(header.name)}"`);
    if (header.size > MAX_META_BYTES) {
      throw new EngineError(`Refusing to restore: ${subject} of ${header.size} bytes (limit ${MAX_META_BYTES})`);
    }
    this.holdBlock(block, at);
    this.startPayload({ type: header.type, size: header.size, label: header.name });
  }

  private onMemberHeader(block: Buffer, at: number, header: Header): void {
    const member = resolveMember(header, this.chain);
    const paxRenames = checkMember(member, header, this.chain);
    if (this.refuseSetId) checkPrivileges(member, header);
    this.links?.check(display(member.name), member.name, 'its name');
    if (header.type === '1') this.links?.check(display(member.name), member.link, 'its hard link target');
    if (this.links) applyRenames(this.links, member.name, paxRenames);
    this.chain = {};
    if (member.type === 'D') {
      // The dumpdir decides whether the member is safe: hold its header until it is read.
      this.holdBlock(block, at);
      this.startPayload({ type: 'D', size: member.size, label: member.name, member });
      return;
    }
    this.approveBlock(block, at);
    this.accept(member, member.size);
  }

  private accept(member: Member, dataLeft: number): void {
    this.links?.record(member.name, member.type, member.link);
    this.onMember?.({ name: display(member.name), type: member.type === '\0' ? '0' : member.type, size: member.size });
    this.phase = dataLeft > 0 ? { kind: 'data', left: padded(dataLeft) } : { kind: 'header' };
  }

  private startPayload(p: Payload): void {
    if (p.size === 0) return this.endPayload(p, EMPTY);
    this.phase = { kind: 'payload', left: padded(p.size), parts: [], payload: p };
  }

  private endPayload(p: Payload, data: Buffer): void {
    this.phase = { kind: 'header' };
    if (p.type === 'L') this.chain.longName = cString(data, 0, data.length);
    else if (p.type === 'K') this.chain.longLink = cString(data, 0, data.length);
    else if (p.type === 'x' || p.type === 'X') this.chain.pax = parsePax(data, false, p.label);
    else if (p.type === 'g') this.endGlobal(data, p.label);
    else if (p.member) this.endDumpdir(p.member, data);
  }

  /** Global headers only carry harmless keywords (checked); nothing waits on them. */
  private endGlobal(data: Buffer, label: string): void {
    parsePax(data, true, label);
    this.releaseHeld();
  }

  private endDumpdir(member: Member, dumpdir: Buffer): void {
    const renames = checkDumpdir(member.name, dumpdir);
    if (this.links) applyRenames(this.links, member.name, renames);
    this.releaseHeld();
    this.accept(member, 0);
  }
}
