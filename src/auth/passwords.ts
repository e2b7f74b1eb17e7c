import crypto from 'node:crypto';

/**
 * Password (and other secret) hashing with scrypt. Memory-hard, so guessing with GPUs or
 * ASICs stays expensive; built into node, so no native dependency.
 *
 * Encoded form, self-describing so parameters can be raised later without breaking old hashes:
 *   scrypt$<log2 N>$<r>$<p>$<salt base64>$<hash base64>
 */

const LOG2_N = 15;
const BLOCK_SIZE = 8;
const PARALLELISM = 1;
const SALT_BYTES = 16;
const KEY_BYTES = 32;

/** Bounds on parameters read back from a stored hash, so a corrupt row cannot make us allocate gigabytes. */
const MAX_MEMORY = 128 * 1024 * 1024;
const MAX_LOG2_N = 30;
const MAX_PARALLELISM = 4;
const MAX_SALT_BYTES = 64;
const MIN_KEY_BYTES = 16;
const MAX_KEY_BYTES = 64;

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

interface ScryptCost {
  log2N: number;
  r: number;
  p: number;
}

interface ScryptParams extends ScryptCost {
  salt: Buffer;
  hash: Buffer;
}

const CURRENT: ScryptCost = { log2N: LOG2_N, r: BLOCK_SIZE, p: PARALLELISM };

/**
 * A well-formed hash with the current parameters that no password matches (an all-zero key has no
 * known preimage). Verifying a login for an unknown user against it costs the same time as a real
 * verification, so response times do not reveal which user names exist.
 */
export const DUMMY_HASH = encode({ ...CURRENT, salt: Buffer.alloc(SALT_BYTES), hash: Buffer.alloc(KEY_BYTES) });

/** Hashes a secret with a fresh random salt. */
export async function hashSecret(plain: string): Promise<string> {
  const salt = crypto.randomBytes(SALT_BYTES);
  const hash = await scrypt(plain, CURRENT, salt, KEY_BYTES);
  return encode({ ...CURRENT, salt, hash });
}

/** True when `plain` matches `encoded`. Never throws: a malformed hash is simply no match. */
export async function verifySecret(plain: string, encoded: string): Promise<boolean> {
  const params = decode(encoded);
  if (!params) return false;
  try {
    const candidate = await scrypt(plain, params, params.salt, params.hash.length);
    return crypto.timingSafeEqual(candidate, params.hash);
  } catch {
    return false;
  }
}

function encode(params: ScryptParams): string {
  const { log2N, r, p, salt, hash } = params;
  return `scrypt$${log2N}$${r}$${p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

function decode(encoded: unknown): ScryptParams | null {
  if (typeof encoded !== 'string') return null;
  const parts = encoded.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [log2N, r, p] = parts.slice(1, 4).map(positiveInt);
  if (!log2N || !r || !p || p > MAX_PARALLELISM || log2N > MAX_LOG2_N || memoryNeeded({ log2N, r, p }) > MAX_MEMORY) return null;
  if (!BASE64.test(parts[4]) || !BASE64.test(parts[5])) return null;
  const salt = Buffer.from(parts[4], 'base64');
  const hash = Buffer.from(parts[5], 'base64');
  if (hash.length < MIN_KEY_BYTES || hash.length > MAX_KEY_BYTES || salt.length === 0 || salt.length > MAX_SALT_BYTES) return null;
  return { log2N, r, p, salt, hash };
}

function positiveInt(text: string): number {
  return /^[1-9][0-9]{0,2}$/.test(text) ? Number(text) : 0;
}

/** scrypt's working set: 128 * N * r bytes. */
function memoryNeeded(cost: ScryptCost): number {
  return 128 * 2 ** cost.log2N * cost.r;
}

/** The async form runs on the libuv pool, keeping the event loop free for other requests meanwhile. */
function scrypt(plain: string, cost: ScryptCost, salt: Buffer, keyBytes: number): Promise<Buffer> {
  // Node refuses anything above maxmem (default 32 MiB, which is exactly our need and too tight).
  const maxmem = 2 * memoryNeeded(cost);
  const options = { N: 2 ** cost.log2N, r: cost.r, p: cost.p, maxmem };
  return new Promise((resolve, reject) => {
    crypto.scrypt(plain, salt, keyBytes, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}
