import { EngineError } from '../engine-error';
import { findProgram } from './find-program';

/** Values of the `compression` option: the stock agent's three, plus zstd. */
export const COMPRESSIONS = ['gzip', 'bzip2', 'xz', 'zstd'] as const;
export type Compression = (typeof COMPRESSIONS)[number];
/** A backup job's compression when it names none (the stock agent's default). */
export const DEFAULT_COMPRESSION: Compression = 'gzip';

export interface Command {
  program: string;
  args: string[];
}

interface Codec {
  /** Programs that write the same format, fastest (multi-threaded) first. */
  programs: string[];
  defaultLevel: number;
  maxLevel: number;
  /** The Debian package to name when none is installed. */
  debianPackage: string;
  compress(program: string, level: number): string[];
  decompress(program: string): string[];
}

/**
 * The stock agent runs `tar -z|-j|-J`, one core. The streams are the same formats, so we pick a
 * parallel implementation when one is installed (pigz, lbzip2/pbzip2, xz -T0, zstd -T0): both
 * agents read each other's data either way.
 */
const CODECS: Record<Compression, Codec> = {
  gzip: {
    programs: ['pigz', 'gzip'],
    defaultLevel: 6,
    maxLevel: 9,
    debianPackage: 'gzip',
    compress: (_p, level) => ['-c', `-${level}`],
    decompress: () => ['-d', '-c'],
  },
  bzip2: {
    programs: ['lbzip2', 'pbzip2', 'bzip2'],
    defaultLevel: 9,
    maxLevel: 9,
    debianPackage: 'bzip2',
    compress: (_p, level) => ['-c', `-${level}`],
    decompress: () => ['-d', '-c'],
  },
  xz: {
    programs: ['xz'],
    defaultLevel: 6,
    maxLevel: 9,
    debianPackage: 'xz-utils',
    compress: (_p, level) => ['-c', '-T0', `-${level}`],
    decompress: () => ['-d', '-c'],
  },
  zstd: {
    programs: ['zstd'],
    // Level 1 keeps a full backup near the speed of reading the disk; ask for more with compression_level.
    defaultLevel: 1,
    maxLevel: 19,
    debianPackage: 'zstd',
    compress: (_p, level) => ['-c', '-q', '-T0', `-${level}`],
    decompress: () => ['-d', '-c', '-q'],
  },
};

export function isCompression(value: string): value is Compression {
  return (COMPRESSIONS as readonly string[]).includes(value);
}

function programFor(compression: Compression): string {
  const codec = CODECS[compression];
  for (const name of codec.programs) {
    const found = findProgram(name);
    if (found) return found;
  }
  throw new EngineError(`compression '${compression}' needs the ${codec.programs.at(-1)} program, which is not installed (Debian package: ${codec.debianPackage})`);
}

/** Checks a `compression_level` against the codec; null means its default. */
export function compressionLevel(compression: Compression, level: number | null): number {
  const codec = CODECS[compression];
  if (level === null) return codec.defaultLevel;
  if (!Number.isInteger(level) || level < 1 || level > codec.maxLevel) {
    throw new EngineError(`compression_level for ${compression} must be an integer from 1 to ${codec.maxLevel}, not ${level}`);
  }
  return level;
}

export function compressCommand(compression: Compression, level: number | null): Command {
  const program = programFor(compression);
  return { program, args: CODECS[compression].compress(program, compressionLevel(compression, level)) };
}

export function decompressCommand(compression: Compression): Command {
  const program = programFor(compression);
  return { program, args: CODECS[compression].decompress(program) };
}
