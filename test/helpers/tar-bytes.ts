import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

/**
 * Hand-made GNU tar archives, byte by byte, for what GNU tar would never write (members below a
 * symlink, hard links to symlinks followed by members below them, hostile dumpdirs). Names are
 * latin1 strings (one char per byte) unless given as UTF-8 via `utf8()`.
 */

const BLOCK = 512;

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

/** A name given as UTF-8 text, as the latin1 byte string the helpers take. */
export function utf8(name: string): string {
  return Buffer.from(name, 'utf8').toString('latin1');
}

export interface TarHeader {
  name: string;
  type?: string;
  size?: number;
  linkname?: string;
  mode?: number;
  mtime?: number;
}

export function tarHeader(spec: TarHeader): Buffer {
  const b = Buffer.alloc(BLOCK);
  b.write(spec.name, 0, 100, 'latin1');
  b.write(octal(spec.mode ?? (spec.type === '5' || spec.type === 'D' ? 0o755 : 0o644), 8), 100);
  b.write(octal(0, 8), 108);
  b.write(octal(0, 8), 116);
  b.write(octal(spec.size ?? 0, 12), 124);
  b.write(octal(spec.mtime ?? 1_700_000_000, 12), 136);
  b.write(spec.type ?? '0', 156, 'latin1');
  b.write(spec.linkname ?? '', 157, 100, 'latin1');
  b.write('ustar  \0', 257, 'latin1');
  b.fill(' ', 148, 156);
  let sum = 0;
  for (const byte of b) sum += byte;
  b.write(octal(sum, 7), 148);
  return b;
}

function padded(data: Buffer): Buffer {
  return Buffer.concat([data, Buffer.alloc((BLOCK - (data.length % BLOCK)) % BLOCK)]);
}

/** A header and its data; `size` is the data's length. */
export function tarMember(spec: TarHeader, data: Buffer | string = ''): Buffer {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
  return Buffer.concat([tarHeader({ ...spec, size: bytes.length }), padded(bytes)]);
}

export const tarFile = (name: string, content = 'hostile\n'): Buffer => tarMember({ name }, content);
export const tarDir = (name: string): Buffer => tarMember({ name, type: '5' });
export const tarSymlink = (name: string, target: string): Buffer => tarMember({ name, type: '2', linkname: target });
export const tarHardLink = (name: string, target: string): Buffer => tarMember({ name, type: '1', linkname: target });

/** A GNU incremental directory member: entries such as `Yfile`, `Dsub`, `R./old`, `T./new`, `X./tmp`. */
export function tarDumpdir(name: string, entries: string[]): Buffer {
  const data = Buffer.concat([...entries.map((e) => Buffer.from(`${e}\0`, 'latin1')), Buffer.from([0])]);
  return tarMember({ name, type: 'D' }, data);
}

/** A GNU long name ('L') or long link ('K') header followed by the member it names. */
export function tarLong(kind: 'L' | 'K', value: string, then: Buffer): Buffer {
  return Buffer.concat([tarMember({ name: '././@LongLink', type: kind }, Buffer.from(`${value}\0`, 'latin1')), then]);
}

/** A pax extended header ('x') with the given records, followed by the member it describes. */
export function tarPax(records: Array<[string, string]>, then: Buffer): Buffer {
  const data = Buffer.concat(records.map(([key, value]) => {
    const body = Buffer.from(` ${key}=${value}\n`, 'latin1');
    let len = body.length + 1;
    while (String(len).length + body.length !== len) len++;
    return Buffer.concat([Buffer.from(String(len)), body]);
  }));
  return Buffer.concat([tarMember({ name: 'PaxHeaders/x', type: 'x' }, data), then]);
}

export function tarArchive(...members: Buffer[]): Buffer {
  return Buffer.concat([...members, Buffer.alloc(2 * BLOCK)]);
}

/** A real GNU tar archive of `dir` (run inside it), e.g. to concatenate with hand-made members. */
export function realTar(dir: string, args: string[] = ['.']): Buffer {
  return execFileSync('tar', ['--create', '--format=gnu', '--file=-', ...args], { cwd: dir, maxBuffer: 1 << 26 });
}

/**
 * Writes an unencrypted gzip level into a local store, the way a backup publishes one:
 * `<store>/{metadata,data}/tar/<hbn>/<t0>/<level>_<ts>/`.
 */
export function writeLevel(store: string, hbn: string, slot: { t0: number; level: number; ts: number }, archive: Buffer): void {
  const name = `${slot.level}_${slot.ts}`;
  const meta = path.join(store, 'metadata/tar', hbn, String(slot.t0), name);
  const data = path.join(store, 'data/tar', hbn, String(slot.t0), name);
  fs.mkdirSync(meta, { recursive: true });
  fs.mkdirSync(data, { recursive: true });
  fs.writeFileSync(path.join(data, 'data'), zlib.gzipSync(archive));
  fs.writeFileSync(path.join(meta, 'metadata'), '{"engine_name": "tar", "compression": "gzip", "encryption": false}');
}
