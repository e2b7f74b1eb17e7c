import crypto from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/** Counts and hashes (sha256) the bytes going through, unchanged: the stored data's size and checksum. */
export class StreamMeter extends Transform {
  bytes = 0;
  private readonly hash = crypto.createHash('sha256');

  constructor(private readonly onBytes?: (bytes: number) => void) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    this.hash.update(chunk);
    this.onBytes?.(this.bytes);
    done(null, chunk);
  }

  /** Hex sha256 of everything that went through; call once, after the end. */
  digest(): string {
    return this.hash.digest('hex');
  }
}
