import crypto from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/**
 * Counts the bytes going through, unchanged, and hashes them (sha256) when asked: the stored
 * data's size and checksum.
 */
export class StreamMeter extends Transform {
  bytes = 0;
  private readonly hash: crypto.Hash | null;

  constructor(private readonly onBytes?: (bytes: number) => void, checksum = true) {
    super();
    this.hash = checksum ? crypto.createHash('sha256') : null;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    this.hash?.update(chunk);
    this.onBytes?.(this.bytes);
    done(null, chunk);
  }

  /** Hex sha256 of everything that went through (null without checksum); call once, after the end. */
  digest(): string | null {
    return this.hash?.digest('hex') ?? null;
  }
}
