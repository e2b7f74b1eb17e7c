/**
 * Interop with the stock Freezer agent, which pipes tar through
 * `openssl enc -aes-256-cfb -pass file:K`. With OpenSSL 3 defaults (no -pbkdf2, no -md) that is:
 *
 *   "Salted__" | salt (8 random bytes) | AES-256-CFB128 ciphertext (same length as the plaintext)
 *
 * key (32) || iv (16) = EVP_BytesToKey(SHA-256, one iteration): D1 = H(pass||salt),
 * D2 = H(D1||pass||salt), ... concatenated.
 *
 * CFB is NOT authenticated: a wrong passphrase or altered data decrypts to garbage without any
 * error here. Callers find out when decompressing or untarring fails, which is why new backups use
 * the sealed format (sealed-stream.ts) and this one is kept for reading and writing Freezer data.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, Cipher, Decipher } from 'node:crypto';
import { Transform, TransformCallback } from 'node:stream';
import { EngineError } from '../engine-error';

const MAGIC = Buffer.from('Salted__', 'latin1');
const SALT_LEN = 8;
const HEADER_LEN = MAGIC.length + SALT_LEN;
const KEY_LEN = 32;
const IV_LEN = 16;
const CIPHER = 'aes-256-cfb';

/** OpenSSL's legacy key derivation as `openssl enc` (3.x) uses it by default. */
export function evpBytesToKey(pass: Buffer, salt: Buffer): { key: Buffer; iv: Buffer } {
  const blocks: Buffer[] = [];
  let prev = Buffer.alloc(0);
  for (let have = 0; have < KEY_LEN + IV_LEN; have += prev.length) {
    prev = createHash('sha256').update(prev).update(pass).update(salt).digest();
    blocks.push(prev);
  }
  const out = Buffer.concat(blocks);
  return { key: out.subarray(0, KEY_LEN), iv: out.subarray(KEY_LEN, KEY_LEN + IV_LEN) };
}

function cipherFor(pass: Buffer, salt: Buffer): Cipher {
  const { key, iv } = evpBytesToKey(pass, salt);
  return createCipheriv(CIPHER, key, iv);
}

/** Encrypt like `openssl enc -aes-256-cfb -pass ...`; `salt` is only fixed by tests. */
export function opensslEncrypt(pass: Buffer, salt: Buffer = randomBytes(SALT_LEN)): Transform {
  if (salt.length !== SALT_LEN) throw new RangeError(`openssl salt must be ${SALT_LEN} bytes`);
  const cipher = cipherFor(pass, salt);
  let headerSent = false;
  // openssl writes the header even for empty input, so it is sent on first data or at the end.
  const sendHeader = (t: Transform): void => {
    if (!headerSent) t.push(Buffer.concat([MAGIC, salt]));
    headerSent = true;
  };
  return new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      sendHeader(this);
      cb(null, cipher.update(chunk));
    },
    flush(cb: TransformCallback) {
      sendHeader(this);
      cb(null, cipher.final());
    },
  });
}

/**
 * Decrypt `openssl enc -aes-256-cfb` output. The 16-byte header may arrive split over any number
 * of chunks, so it is gathered first. Remember: a wrong passphrase yields garbage, not an error.
 */
export function opensslDecrypt(pass: Buffer): Transform {
  let head = Buffer.alloc(0);
  let decipher: Decipher | null = null;
  const notOpenssl = () => new EngineError('not an openssl-encrypted stream (no "Salted__" header)');
  return new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      if (decipher) return cb(null, decipher.update(chunk));
      head = Buffer.concat([head, chunk]);
      if (head.length < HEADER_LEN) return cb();
      if (!head.subarray(0, MAGIC.length).equals(MAGIC)) return cb(notOpenssl());
      const { key, iv } = evpBytesToKey(pass, head.subarray(MAGIC.length, HEADER_LEN));
      decipher = createDecipheriv(CIPHER, key, iv);
      const rest = head.subarray(HEADER_LEN);
      head = Buffer.alloc(0);
      cb(null, decipher.update(rest));
    },
    flush(cb: TransformCallback) {
      // Empty or shorter than the header: nothing openssl could have written.
      if (!decipher) return cb(notOpenssl());
      cb(null, decipher.final());
    },
  });
}
