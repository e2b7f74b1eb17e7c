import crypto from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { EngineError } from '../engine-error';

/**
 * Holds back the first `length` bytes of a stream until their sha256 equals `sha256` (hex), then
 * passes everything on unchanged. Put in front of a sealed stream's decryption, it makes sure
 * the data file is the one the authenticated metadata names (a genuine sealed file of another
 * backup with the same passphrase has another random header) before scrypt or tar see anything.
 */
export function expectHeader(length: number, sha256: string, what: string): Transform {
  let head: Buffer[] = [];
  let have = 0;
  let checked = false;
  const mismatch = () => new EngineError(`${what}: the data file's header is not the one its authenticated metadata names (the data was altered or replaced)`);
  return new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      if (checked) return cb(null, chunk);
      head.push(chunk);
      have += chunk.length;
      if (have < length) return cb();
      const all = Buffer.concat(head);
      head = [];
      if (crypto.createHash('sha256').update(all.subarray(0, length)).digest('hex') !== sha256) return cb(mismatch());
      checked = true;
      cb(null, all);
    },
    flush(cb: TransformCallback) {
      cb(checked ? null : mismatch());
    },
  });
}
