import crypto from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/**
 * Counts the bytes going through, unchanged, and hashes them (sha256) when asked: the stored
 * data's size and checksum.
 */
export class StreamMeter extends Transform {
  bytes = 0;
  private readonly hash: crypto.Hash | null;
  private readonly headParts: Buffer[] = [];

  /** `headBytes`: how many of the first bytes to keep (see head()). */
  constructor(private readonly onBytes?: (bytes: number) => void, checksum = true, private readonly headBytes = 0) {
    super();
    this.hash = checksum ? crypto.createHash('sha256') : null;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (this.bytes < this.headBytes) this.headParts.push(Buffer.from(chunk.subarray(0, this.headBytes - this.bytes)));
    this.bytes += chunk.length;
    this.hash?.update(chunk);
    this.onBytes?.(this.bytes);
    done(null, chunk);
  }

  /** Hex sha256 of everything that went through (null without checksum); call once, after the end. */
  digest(): string | null {
    return this.hash?.digest('hex') ?? null;
  }

  /** The first `headBytes` bytes that went through (fewer if the stream was shorter). */
  head(): Buffer {
    return Buffer.concat(this.headParts);
  }
}
