import fs from 'node:fs';
import type { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { EngineError } from '../engine-error';
import { Child, describeEnd, settle, type ChildEnd } from './child';
import type { Command } from './compressors';
import { StreamMeter } from './stream-meter';
import { checkpointBytes } from './tar-commands';

export interface BackupStreamInput {
  /** tar, run in `cwd`; its archive goes straight (fd to fd) into the compressor. */
  tar: Command;
  cwd: string;
  compress: Command;
  sink: BackupSink;
  signal: AbortSignal;
  onProgress(counters: { bytes?: number; files?: number; stored?: number }): void;
  onWarning(line: string): void;
}

/**
 * Where the compressed archive goes: through Node (encryption, sha256, SFTP), or, for a local
 * file without encryption, straight from the compressor into the file. Node moving the bytes
 * costs about a core-second per GiB on this kind of machine, the same order as the compression.
 */
export type BackupSink =
  | { stream: Writable; encrypt: Transform | null; checksum: boolean; keepHead?: number }
  | { fd: number };

export interface BackupStreamResult {
  storedBytes: number;
  sha256: string | null;
  /** The first `keepHead` stored bytes (a sealed stream's header), when asked for. */
  head: Buffer | null;
  files: number;
}

/** tar's "some files changed while being read" status: the archive is still whole and usable. */
const TAR_FILES_CHANGED = 1;

/**
 * tar -> compressor -> [encryption] -> storage. tar's stdout is handed to the compressor as its
 * stdin, so the uncompressed archive never passes through Node; progress comes from tar's
 * checkpoints and --verbose listing instead.
 */
export async function runBackupStream(input: BackupStreamInput): Promise<BackupStreamResult> {
  let files = 0;
  const sink = input.sink;
  const storedSoFar = () => ('fd' in sink ? fs.fstatSync(sink.fd).size : undefined);
  const tar = new Child(input.tar, {
    cwd: input.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    onStderr: (line) => {
      const bytes = checkpointBytes(line);
      if (bytes !== null) input.onProgress({ bytes, stored: storedSoFar() });
      // tar's own messages start with "tar: "; the other lines are the --verbose member names.
      else if (!line.startsWith('tar: ')) {
        if (!line.endsWith('/')) input.onProgress({ files: ++files });
      } else if (!/Directory is new|Directory has been renamed/.test(line)) input.onWarning(line);
    },
  });
  const compressor = new Child(input.compress, {
    stdio: [tar.proc.stdout as Readable, 'fd' in sink ? sink.fd : 'pipe', 'pipe'],
  });
  // The compressor has its own copy of the pipe; ours must not read from it.
  tar.proc.stdout?.destroy();

  const meter = 'stream' in sink ? new StreamMeter((stored) => input.onProgress({ stored }), sink.checksum, sink.keepHead) : null;
  const [tarEnd, compressorEnd] = await settle([tar, compressor], input.signal, () =>
    meter && 'stream' in sink
      ? pipeline([compressor.proc.stdout as Readable, ...(sink.encrypt ? [sink.encrypt] : []), meter, sink.stream])
      : Promise.all([tar.done, compressor.done]),
  );
  checkTar(tarEnd, input.onWarning);
  if (compressorEnd.code !== 0) throw new EngineError(describeEnd(compressorEnd));
  const stored = meter
    ? { storedBytes: meter.bytes, sha256: meter.digest(), head: 'stream' in sink && sink.keepHead ? meter.head() : null }
    : { storedBytes: storedSoFar() ?? 0, sha256: null, head: null };
  return { ...stored, files };
}

function checkTar(end: ChildEnd, onWarning: (line: string) => void): void {
  if (end.code === 0) return;
  if (end.code === TAR_FILES_CHANGED) {
    onWarning('tar: some files changed while they were read; they are stored as tar read them');
    return;
  }
  throw new EngineError(describeEnd(end));
}
