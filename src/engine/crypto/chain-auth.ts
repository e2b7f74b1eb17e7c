/**
 * Chain authentication: the metadata of every level of an encrypted backup chain carries a MAC
 * keyed from the passphrase, so someone who can write to the storage but has no passphrase can
 * neither add, drop, reorder or relabel levels, nor swap a level's data for another backup's, nor
 * make restore take a level as unencrypted, without restore noticing before that level reaches
 * tar.
 *
 * Keys (per chain):
 *   chain_salt = 16 random bytes, hex in level 0's stored metadata
 *   master     = scrypt(passphrase, chain_salt, N=2^15, r=8, p=1, 32 bytes)   (the sealed format's cost)
 *   mac key    = HKDF-SHA256(ikm=master, salt=empty, info="permafrost chain-mac v1", 32 bytes)
 * The purpose label keeps the MAC key apart from every data key (the sealed format derives its
 * data keys from scrypt with per-stream salts, openssl from EVP_BytesToKey: neither is this key).
 *
 * MAC of one level (hex in its stored metadata as `chain_mac`):
 *   HMAC-SHA256(mac key, "PFCHAIN1" || field_1 || ... || field_12), each field as
 *   u32 big-endian byte length || bytes (UTF-8), in this order:
 *     1 hostname_backup_name   from the storage path (what restore asked for)
 *     2 t0                     decimal, from the storage path
 *     3 level                  decimal, from the storage path
 *     4 ts                     decimal, from the storage path
 *     5 compression            gzip | bzip2 | xz | zstd
 *     6 encryption format      sealed | openssl
 *     7 data size              decimal, bytes of the stored data file
 *     8 data sha256            hex, or empty (sealed data authenticates itself)
 *     9 sealed header sha256   hex of the 39-byte sealed header, or empty (openssl)
 *    10 engine_metadata sha256 hex of the tar snapshot file the next level is built from
 *    11 chain salt             hex (the same in every level of a chain)
 *    12 previous MAC           hex MAC of the level this one was built on; empty for level 0
 * Fields 1-4 are what restore derives from the directory names, so renaming a level's
 * directories (relabelling, moving it to another chain or host) breaks its MAC; field 12 links
 * each level to its parent, so a dropped, swapped or foreign middle level breaks the link.
 * Encryption itself is implied: only encrypted levels carry a MAC, and an encrypted restore
 * refuses any level that is not encrypted.
 *
 * What it cannot see: the newest levels or a whole newer chain being deleted (a rollback to an
 * older, genuine state); the storage holds nothing a deletion would leave behind.
 */
import { createHmac, hkdfSync, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

const LABEL = Buffer.from('PFCHAIN1', 'latin1');
const HKDF_INFO = 'permafrost chain-mac v1';
const SALT_LEN = 16;
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

export interface LevelAuthFacts {
  hbn: string;
  t0: number;
  level: number;
  ts: number;
  compression: string;
  encryptionFormat: string;
  dataSize: number;
  dataSha256: string | null;
  sealedHeaderSha256: string | null;
  engineMetadataSha256: string | null;
  chainSalt: string;
  prevMac: string | null;
}

export function newChainSalt(): string {
  return randomBytes(SALT_LEN).toString('hex');
}

/** The MAC key of a chain; scrypt runs on the libuv pool, never blocking the event loop. */
export function chainMacKey(pass: Buffer, saltHex: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(pass, Buffer.from(saltHex, 'hex'), 32, SCRYPT, (err, master) => {
      if (err) return reject(err);
      resolve(Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), HKDF_INFO, 32)));
    });
  });
}

/** The canonical byte string a level's MAC covers (format above). */
export function macInput(f: LevelAuthFacts): Buffer {
  const fields = [
    f.hbn, String(f.t0), String(f.level), String(f.ts), f.compression, f.encryptionFormat, String(f.dataSize),
    f.dataSha256 ?? '', f.sealedHeaderSha256 ?? '', f.engineMetadataSha256 ?? '', f.chainSalt, f.prevMac ?? '',
  ];
  const parts: Buffer[] = [LABEL];
  for (const field of fields) {
    const bytes = Buffer.from(field, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    parts.push(length, bytes);
  }
  return Buffer.concat(parts);
}

export function levelMac(key: Buffer, facts: LevelAuthFacts): string {
  return createHmac('sha256', key).update(macInput(facts)).digest('hex');
}

/** Constant-time comparison of a stored MAC (hex) with the one the facts give. */
export function macMatches(key: Buffer, facts: LevelAuthFacts, stored: string): boolean {
  const expected = Buffer.from(levelMac(key, facts), 'hex');
  const given = Buffer.from(stored, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
