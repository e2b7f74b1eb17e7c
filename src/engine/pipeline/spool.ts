import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { EngineError } from '../engine-error';
import { StreamMeter } from './stream-meter';

export interface Spooled {
  /** The verified copy of the stored bytes; read it, then call remove(). */
  file: string;
  bytes: number;
  remove(): Promise<void>;
}

export interface SpoolInput {
  source: Readable;
  /** Size and sha256 (hex) the stored bytes must have. */
  size: number | undefined;
  sha256: string;
  /** `backup <level>_<ts>`, for messages. */
  what: string;
  signal: AbortSignal;
  onStored(bytes: number): void;
  /** Where the private spool directory is made (default: the system temp directory). */
  tmpdir?: string;
}

function noRoom(what: string, dir: string, need: number | null, free?: number): EngineError {
  const have = free === undefined ? '' : `, ${free} free`;
  return new EngineError(`no room to spool ${what} before restoring it (${need ?? 'more'} bytes needed${have} in ${dir}): free some space or point TMPDIR at a larger filesystem`);
}

/**
 * Copies the stored bytes of a level to a private temporary file (0600 in a 0700 directory) and
 * checks their size and sha256 against the metadata before anything else reads them. Data whose
 * encryption does not authenticate it (openssl CFB) must not reach tar before it is verified, and
 * the storage must not be read twice (a writer could swap the file between the reads): the
 * restore then reads this copy.
 */
export async function spoolVerified(input: SpoolInput): Promise<Spooled> {
  const base = input.tmpdir ?? os.tmpdir();
  const dir = await fsp.mkdtemp(path.join(base, 'permafrost-restore-'));
  const remove = () => fsp.rm(dir, { recursive: true, force: true });
  try {
    if (input.size !== undefined) {
      const st = await fsp.statfs(dir);
      const free = st.bavail * st.bsize;
      if (free < input.size) throw noRoom(input.what, dir, input.size, free);
    }
    const file = path.join(dir, 'data');
    const meter = new StreamMeter(input.onStored, true);
    await pipeline(input.source, meter, fs.createWriteStream(file, { flags: 'wx', mode: 0o600 }), { signal: input.signal }).catch((err: NodeJS.ErrnoException) => {
      throw err.code === 'ENOSPC' || err.code === 'EDQUOT' ? noRoom(input.what, dir, input.size ?? null) : err;
    });
    if (input.size !== undefined && meter.bytes !== input.size) {
      throw new EngineError(`${input.what} is ${meter.bytes} bytes on the storage, ${input.size} were written: it was truncated or altered (nothing of it was restored)`);
    }
    if (meter.digest() !== input.sha256) {
      throw new EngineError(`${input.what} does not match the checksum recorded when it was written: it was altered (nothing of it was restored)`);
    }
    return { file, bytes: meter.bytes, remove };
  } catch (err) {
    await remove();
    throw err;
  }
}
