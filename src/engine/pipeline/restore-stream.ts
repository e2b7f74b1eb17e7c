import readline from 'node:readline';
import type { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { EngineError } from '../engine-error';
import { Child, describeEnd, settle } from './child';
import type { Command } from './compressors';
import { StreamMeter } from './stream-meter';

export interface RestoreStreamInput {
  /** The stored data, as read from the storage. */
  source: Readable;
  /** Decryption (and the checks in front of it), in order; empty for unencrypted data. */
  decrypt: Transform[];
  decompress: Command;
  /** Checks every archive member before tar sees it (MemberGuard). */
  guard: Transform;
  /** tar --extract, or tar --list for a dry run (its stdout lines then go to onListed). */
  tar: Command;
  signal: AbortSignal;
  onStored(bytes: number): void;
  /** sha256 of the stored bytes, to compare with the one recorded at backup time. */
  checksum: boolean;
  onListed?(name: string): void;
}

export interface RestoreStreamResult {
  storedBytes: number;
  sha256: string | null;
}

/** storage -> meter -> [decryption] -> decompressor -> member guard -> tar. */
export async function runRestoreStream(input: RestoreStreamInput): Promise<RestoreStreamResult> {
  const decompressor = new Child(input.decompress, { stdio: ['pipe', 'pipe', 'pipe'] });
  const tar = new Child(input.tar, { stdio: ['pipe', input.onListed ? 'pipe' : 'ignore', 'pipe'] });
  if (input.onListed && tar.proc.stdout) {
    readline.createInterface({ input: tar.proc.stdout, crlfDelay: Infinity }).on('line', input.onListed);
  }
  const meter = new StreamMeter(input.onStored, input.checksum);
  const [decompressorEnd, tarEnd] = await settle([decompressor, tar], input.signal, () =>
    Promise.all([
      pipeline([input.source, meter, ...input.decrypt, decompressor.proc.stdin!]),
      pipeline([decompressor.proc.stdout!, input.guard, tar.proc.stdin!]),
    ]),
  );
  if (decompressorEnd.code !== 0) throw new EngineError(`${describeEnd(decompressorEnd)} (the data is corrupt, or was encrypted with another key)`);
  if (tarEnd.code !== 0) throw new EngineError(describeEnd(tarEnd));
  return { storedBytes: meter.bytes, sha256: meter.digest() };
}
