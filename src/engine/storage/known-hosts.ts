/**
 * OpenSSH known_hosts reading (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"), pure: the caller reads the
 * file. Only what a client needs to verify one host key: plain and hashed host names, patterns,
 * `@revoked`; `@cert-authority` lines are skipped because host certificates are not used here.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export type HostKeyVerdict = 'match' | 'mismatch' | 'unknown' | 'revoked';

interface Entry {
  marker: '' | '@revoked' | '@cert-authority';
  hosts: string;
  keyType: string;
  key: Buffer;
}

/**
 * How the host's key stands in known_hosts. A host with entries none of which is this key is a
 * `mismatch` even when the entries are of another key type: the caller asks for the known types
 * first, so a server offering another type means its known key is gone (possible MITM).
 */
export function hostKeyVerdict(knownHostsText: string, host: string, port: number, keyBlob: Buffer): HostKeyVerdict {
  const entries = entriesFor(knownHostsText, host, port);
  const type = keyTypeOf(keyBlob);
  const same = (e: Entry) => e.keyType === type && e.key.equals(keyBlob);
  if (entries.some((e) => e.marker === '@revoked' && same(e))) return 'revoked';
  const plain = entries.filter((e) => e.marker === '');
  if (plain.some(same)) return 'match';
  return plain.length > 0 ? 'mismatch' : 'unknown';
}

/** Key types known_hosts holds for the host, in file order (to ask the server for those first). */
export function knownKeyTypes(knownHostsText: string, host: string, port: number): string[] {
  const types = entriesFor(knownHostsText, host, port).filter((e) => e.marker === '').map((e) => e.keyType);
  return [...new Set(types)];
}

/** OpenSSH's `SHA256:...` fingerprint of a wire-format key (unpadded base64). */
export function fingerprintOf(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type string a wire-format key starts with ('' when the blob is malformed). */
export function keyTypeOf(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return '';
  const len = keyBlob.readUInt32BE(0);
  return len <= keyBlob.length - 4 ? keyBlob.subarray(4, 4 + len).toString('latin1') : '';
}

/** The name known_hosts stores for a host: bare on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host.toLowerCase() : `[${host.toLowerCase()}]:${port}`;
}

function entriesFor(text: string, host: string, port: number): Entry[] {
  const name = knownHostsName(host, port);
  return text.split(/\r?\n/).map(parseLine).filter((e): e is Entry => e !== null && hostsMatch(e.hosts, name));
}

function parseLine(line: string): Entry | null {
  const fields = line.trim().split(/\s+/);
  if (fields[0] === '' || fields[0].startsWith('#')) return null;
  const marker = fields[0].startsWith('@') ? fields.shift() : '';
  if (marker !== '' && marker !== '@revoked' && marker !== '@cert-authority') return null;
  const [hosts, keyType, base64] = fields;
  if (!hosts || !keyType || !base64 || !/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) return null;
  const key = Buffer.from(base64, 'base64');
  // A blob whose embedded type disagrees with the line's is corrupt; it never matches anything.
  if (keyTypeOf(key) !== keyType) return null;
  return { marker, hosts, keyType, key };
}

/** A hashed field is one name; otherwise a pattern list where any matching `!pattern` vetoes. */
function hostsMatch(hosts: string, name: string): boolean {
  if (hosts.startsWith('|')) return hashedMatch(hosts, name);
  let matched = false;
  for (const pattern of hosts.split(',')) {
    const negated = pattern.startsWith('!');
    if (!wildcardMatch(negated ? pattern.slice(1) : pattern, name)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

/** `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`, as written by `ssh-keygen -H`. */
function hashedMatch(field: string, name: string): boolean {
  const parts = field.split('|');
  if (parts.length !== 4 || parts[1] !== '1') return false;
  const salt = Buffer.from(parts[2], 'base64');
  const want = Buffer.from(parts[3], 'base64');
  const got = createHmac('sha1', salt).update(name).digest();
  return want.length === got.length && timingSafeEqual(want, got);
}

/** `*` is any run of characters, `?` exactly one; case-insensitive like OpenSSH. */
function wildcardMatch(pattern: string, name: string): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 'is').test(name);
}
