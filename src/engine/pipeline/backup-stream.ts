import type { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { EngineError } from '../engine-error';
import { Child, describeEnd, firstCause, type ChildEnd } from './child';
import type { Command } from './compressors';
import { onAbort } from './on-abort';
import { StreamMeter } from './stream-meter';
import { checkpointBytes } from './tar-commands';

export interface BackupStreamInput {
  /** tar, run in `cwd`; its archive goes straight (fd to fd) into the compressor. */
  tar: Command;
  cwd: string;
  compress: Command;
  /** Optional encryption of the compressed stream. */
  encrypt: Transform | null;
  sink: Writable;
  /** sha256 of the stored bytes. */
  checksum: boolean;
  signal: AbortSignal;
  onProgress(counters: { bytes?: number; files?: number; stored?: number }): void;
  onWarning(line: string): void;
}

export interface BackupStreamResult {
  storedBytes: number;
  sha256: string | null;
  files: number;
}

/** tar's "some files changed while being read" status: the archive is still whole and usable. */
const TAR_FILES_CHANGED = 1;

/**
 * tar -> compressor -> [encryption] -> storage. tar's stdout is handed to the compressor as its
 * stdin, so the uncompressed archive never passes through Node (on two cores the copy would cost
 * as much as the compression it feeds); progress comes from tar's checkpoints and index instead.
 */
export async function runBackupStream(input: BackupStreamInput): Promise<BackupStreamResult> {
  let files = 0;
  const tar = new Child('tar', input.tar, {
    cwd: input.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    onStderr: (line) => {
      const bytes = checkpointBytes(line);
      if (bytes !== null) input.onProgress({ bytes });
      // tar's own messages start with "tar: "; the other lines are the --verbose member names.
      else if (!line.startsWith('tar: ')) {
        if (!line.endsWith('/')) input.onProgress({ files: ++files });
      } else if (!/Directory is new|Directory has been renamed/.test(line)) input.onWarning(line);
    },
  });
  const compressor = new Child(input.compress.program.split('/').pop() ?? 'compressor', input.compress, {
    stdio: [tar.proc.stdout as Readable, 'pipe', 'pipe'],
  });
  // The compressor has its own copy of the pipe; ours must not read from it.
  tar.proc.stdout?.destroy();

  const meter = new StreamMeter((stored) => input.onProgress({ stored }), input.checksum);
  const stages = [compressor.proc.stdout as Readable, ...(input.encrypt ? [input.encrypt] : []), meter, input.sink];
  const killAll = () => {
    tar.kill();
    compressor.kill();
  };
  const stopListening = onAbort(input.signal, killAll);
  try {
    await pipeline(stages);
  } catch (err) {
    killAll();
    throw input.signal.aborted ? new EngineError('aborted') : firstCause(err, await Promise.all([tar.done, compressor.done]));
  } finally {
    stopListening();
  }
  const [tarEnd, compressorEnd] = await Promise.all([tar.done, compressor.done]);
  if (input.signal.aborted) throw new EngineError('aborted');
  checkTar(tarEnd, input.onWarning);
  if (compressorEnd.code !== 0) throw new EngineError(describeEnd(compressorEnd));
  return { storedBytes: meter.bytes, sha256: meter.digest(), files };
}

function checkTar(end: ChildEnd, onWarning: (line: string) => void): void {
  if (end.code === 0) return;
  if (end.code === TAR_FILES_CHANGED) {
    onWarning('tar: some files changed while they were read; they are stored as tar read them');
    return;
  }
  throw new EngineError(describeEnd(end));
}
