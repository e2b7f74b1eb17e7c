import crypto, { type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { JwtSettings } from '../config/config';

/** The keys tokens are signed and verified with, loaded once at start. */
export interface SigningKeys {
  algorithm: 'HS256' | 'RS256';
  /** HS256: the shared secret; RS256: the private key PEM; null: a verify-only replica. */
  signKey: Buffer | string | null;
  verifyKey: Buffer | string | KeyObject;
}

const MIN_SECRET_BYTES = 32;
const GENERATED_SECRET_BYTES = 64;
const GENERATED_RSA_BITS = 3072;
/** jsonwebtoken refuses shorter RSA keys anyway; saying so at start beats a 500 at the first login. */
const MIN_RSA_BITS = 2048;

const SECRET_FILE = 'JWT secret file';
const PRIVATE_FILE = 'JWT private key file';
const PUBLIC_FILE = 'JWT public key file';

/**
 * Loads the configured key files, or generates them into `dataDir` on first start when none are
 * configured (only when `generate`: the server does, the admin commands never create state).
 * Throws an Error that names the file and the fix when a file is missing, unreadable, invalid,
 * or (for secrets) readable by group or others.
 */
export function loadSigningKeys(settings: JwtSettings, dataDir: string, generate = true): SigningKeys {
  const at = { dataDir, generate };
  return settings.algorithm === 'HS256' ? loadHmacKeys(settings, at) : loadRsaKeys(settings, at);
}

/** Where generated keys live, and whether missing ones may be generated now. */
interface GeneratedKeys {
  dataDir: string;
  generate: boolean;
}

function loadHmacKeys(settings: JwtSettings, at: GeneratedKeys): SigningKeys {
  const file = settings.secret_file ?? ensureGenerated(at, 'jwt-secret', 0o600, () => crypto.randomBytes(GENERATED_SECRET_BYTES));
  // The file's exact bytes are the key (no trimming), so every replica and tool agrees on it.
  const secret = readKeyFile(file, SECRET_FILE, true);
  if (secret.length < MIN_SECRET_BYTES) {
    throw new Error(
      `${SECRET_FILE} ${file} holds ${secret.length} bytes; HS256 needs at least ${MIN_SECRET_BYTES} ` +
        `(create one with: head -c 64 /dev/urandom > ${file} && chmod 600 ${file})`,
    );
  }
  return { algorithm: 'HS256', signKey: secret, verifyKey: crypto.createSecretKey(secret) };
}

function loadRsaKeys(settings: JwtSettings, at: GeneratedKeys): SigningKeys {
  const { private_key_file: privateFile, public_key_file: publicFile } = settings;
  if (privateFile === null && publicFile === null) return loadGeneratedRsaKeys(at);
  if (privateFile === null) {
    // Verify-only replica: it can check tokens but never mint them.
    return { algorithm: 'RS256', signKey: null, verifyKey: readPublicKey(publicFile as string) };
  }
  const { pem, key } = readPrivateKey(privateFile);
  const publicKey = crypto.createPublicKey(key);
  if (publicFile !== null) assertSamePublicKey(publicKey, readPublicKey(publicFile), privateFile, publicFile);
  return { algorithm: 'RS256', signKey: pem, verifyKey: publicKey };
}

/** First start without configured keys: a fresh pair in the data directory, reused afterwards. */
function loadGeneratedRsaKeys(at: GeneratedKeys): SigningKeys {
  const privateFile = ensureGenerated(at, 'jwt-private.pem', 0o600, generateRsaPrivatePem);
  const { pem, key } = readPrivateKey(privateFile);
  const publicKey = crypto.createPublicKey(key);
  // The public half is written too so operators can copy it to verify-only replicas.
  const publicPem = () => publicKey.export({ type: 'spki', format: 'pem' });
  const publicFile = ensureGenerated(at, 'jwt-public.pem', 0o644, publicPem);
  assertSamePublicKey(publicKey, readPublicKey(publicFile), privateFile, publicFile);
  return { algorithm: 'RS256', signKey: pem, verifyKey: publicKey };
}

function generateRsaPrivatePem(): string {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: GENERATED_RSA_BITS });
  return privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
}

function readPrivateKey(file: string): { pem: string; key: KeyObject } {
  const pem = readKeyFile(file, PRIVATE_FILE, true).toString('utf8');
  let key: KeyObject;
  try {
    key = crypto.createPrivateKey(pem);
  } catch (err) {
    throw new Error(`${PRIVATE_FILE} ${file} is not an unencrypted PEM private key (${(err as Error).message})`);
  }
  assertRsa(key, file, PRIVATE_FILE);
  return { pem, key };
}

function readPublicKey(file: string): KeyObject {
  const pem = readKeyFile(file, PUBLIC_FILE, false);
  if (isPrivateKey(pem)) {
    throw new Error(`${PUBLIC_FILE} ${file} holds a private key; give it the public half only (openssl pkey -in KEY -pubout)`);
  }
  let key: KeyObject;
  try {
    key = crypto.createPublicKey(pem);
  } catch (err) {
    throw new Error(`${PUBLIC_FILE} ${file} is not a PEM public key (${(err as Error).message})`);
  }
  assertRsa(key, file, PUBLIC_FILE);
  return key;
}

function isPrivateKey(pem: Buffer): boolean {
  try {
    crypto.createPrivateKey(pem);
    return true;
  } catch {
    return false;
  }
}

function assertRsa(key: KeyObject, file: string, what: string): void {
  if (key.asymmetricKeyType !== 'rsa') {
    throw new Error(`${what} ${file} holds a ${key.asymmetricKeyType ?? 'non-RSA'} key; RS256 needs an RSA key`);
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_RSA_BITS) {
    throw new Error(`${what} ${file} holds a ${bits}-bit RSA key; RS256 needs at least ${MIN_RSA_BITS} bits`);
  }
}

function assertSamePublicKey(derived: KeyObject, loaded: KeyObject, privateFile: string, publicFile: string): void {
  if (!derived.equals(loaded)) {
    throw new Error(`${PUBLIC_FILE} ${publicFile} does not match ${PRIVATE_FILE} ${privateFile}`);
  }
}

/**
 * Reads a key file. Secrets are checked through the open descriptor (no window between the check
 * and the read) and refused when group or others can reach them: a leaked key lets anyone mint
 * tokens for any user.
 */
function readKeyFile(file: string, what: string, secret: boolean): Buffer {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    throw new Error(describeOpenError(err as NodeJS.ErrnoException, file, what));
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) throw new Error(`${what} ${file} is not a regular file`);
    // Windows has no POSIX modes (node reports 0o666 there), so the check would always fail.
    if (secret && process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
      const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
      throw new Error(`${what} ${file} is accessible by group or others (mode ${mode}); restrict it with: chmod 600 ${file}`);
    }
    return fs.readFileSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function describeOpenError(err: NodeJS.ErrnoException, file: string, what: string): string {
  if (err.code === 'ENOENT') return `${what} ${file} does not exist`;
  if (err.code === 'EACCES') return `${what} ${file} cannot be read by this process (permission denied)`;
  return `${what} ${file} cannot be read: ${err.message}`;
}

/** The path of `name` in the data dir, creating it with `make()` first if it does not exist yet (and may be generated). */
function ensureGenerated(at: GeneratedKeys, name: string, mode: number, make: () => Buffer | string): string {
  const { dataDir } = at;
  const file = path.join(dataDir, name);
  if (fs.existsSync(file)) return file;
  if (!at.generate) {
    throw new Error(`the token signing key ${file} does not exist yet: run \`permafrost db sync\` (or start \`permafrost serve\`) with this data directory to create it`);
  }
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  publishOnce(file, make(), mode);
  return file;
}

/**
 * Creates `file` with `content` atomically and never with wider permissions than `mode`: the content
 * goes to a private temp file first, which is then hard-linked to the final name. Concurrent starts
 * (cluster workers, replicas sharing a volume) race on the link; the loser keeps the winner's file,
 * so every process ends up with the same key, and nobody ever reads a half-written one.
 */
function publishOnce(file: string, content: Buffer | string, mode: number): void {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${crypto.randomBytes(6).toString('hex')}.tmp`);
  const fd = fs.openSync(temp, 'wx', mode);
  try {
    try {
      fs.writeFileSync(fd, content);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.linkSync(temp, file);
    syncDirectory(path.dirname(file));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new Error(`cannot create ${file}: ${(err as Error).message}`);
    }
  } finally {
    fs.rmSync(temp, { force: true });
  }
}

/** Makes the new name durable, so a crash right after start does not lose the key tokens were signed with. */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Best effort: some file systems cannot fsync a directory.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
