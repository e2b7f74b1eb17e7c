import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { Client, utils, type ConnectConfig, type SFTPWrapper, type ServerHostKeyAlgorithm, type Stats } from 'ssh2';
import { EngineError } from '../engine-error';
import type { BackupStorage, StorageStat } from './backup-storage';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from './local-storage';
import { fingerprintOf, hostKeyVerdict, keyTypeOf, knownHostsName, knownKeyTypes } from './known-hosts';
import { DEPTH, SftpReadStream, SftpWriteStream, closeQuietly } from './sftp-streams';

export interface SftpOptions {
  host: string;
  port?: number;
  username: string;
  /** Private key (OpenSSH or PEM, no passphrase); required unless a password is given. */
  keyFile?: string;
  password?: string;
  /** Default ~/.ssh/known_hosts; a missing file knows no host. */
  knownHostsFile?: string;
  /** Connect to a host known_hosts does not list (never to a changed or revoked key). */
  acceptUnknownHost?: boolean;
  timeoutMs?: number;
}

/** SFTP status codes (draft-ietf-secsh-filexfer-02) that change what a call means. */
const NO_SUCH_FILE = 2;
const HOST_KEY_ALGORITHMS: ServerHostKeyAlgorithm[] = [
  'ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa',
];

/** A directory tree on an ssh server, through one SFTP channel of one connection. */
export class SftpStorage implements BackupStorage {
  readonly kind = 'ssh' as const;
  /** The host was not in known_hosts and was let in by acceptUnknownHost: the caller should say so. */
  readonly unknownHostAccepted: boolean;
  /** `SHA256:...` of the key the server presented. */
  readonly hostKeyFingerprint: string;
  /** Why calls can no longer be made (connection dropped or closed); null while usable. */
  private lost: string | null = null;
  private closed = false;

  private constructor(private readonly client: Client, private readonly sftp: SFTPWrapper, private readonly label: string, check: HostCheck) {
    this.unknownHostAccepted = check.unknownAccepted;
    this.hostKeyFingerprint = check.fingerprint;
    // Keep an 'error' listener for the whole life: a dropped link must fail calls, not the process.
    client.on('error', (err: Error) => (this.lost = err.message));
    client.on('close', () => {
      this.closed = true;
      this.lost ??= 'connection closed';
    });
  }

  static async open(opts: SftpOptions): Promise<SftpStorage> {
    const settled = await settle(opts);
    const check = new HostCheck(settled.knownHosts, settled.knownHostsFile, settled.host, settled.port, settled.accept);
    const client = new Client();
    const sftp = await connect(client, { ...settled.config, hostVerifier: (key: Buffer) => check.verify(key) }, check, settled);
    return new SftpStorage(client, sftp, settled.label, check);
  }

  async list(dir: string): Promise<string[]> {
    try {
      const entries = await this.call<Array<{ filename: string }>>((done) => this.sftp.readdir(dir, done));
      return entries.map((e) => e.filename).sort();
    } catch (err) {
      if (codeOf(err) !== NO_SUCH_FILE) throw this.failure('list', dir, err);
      // OpenSSH says "no such file" for a plain file too; only a missing directory lists as [].
      if (!(await this.stat(dir))) return [];
      throw new EngineError(`cannot list ${dir} on the ssh storage ${this.label}: not a directory`);
    }
  }

  /** Walks up to the deepest existing directory, then creates the rest one by one; a racing creator is fine. */
  async mkdirp(dir: string): Promise<void> {
    const st = await this.stat(dir);
    if (st?.isDirectory) return;
    if (st) throw new EngineError(`cannot create directory ${dir} on the ssh storage ${this.label}: a file is in the way`);
    const parent = path.posix.dirname(dir);
    if (parent !== dir) await this.mkdirp(parent);
    try {
      await this.call((done) => this.sftp.mkdir(dir, { mode: PRIVATE_DIR_MODE }, done));
    } catch (err) {
      if (!(await this.stat(dir))?.isDirectory) throw this.failure('create directory', dir, err);
    }
  }

  async createWriteStream(file: string): Promise<Writable> {
    const handle = await this.openHandle(file, 'w');
    return new SftpWriteStream(this.sftp, handle, (what, err) => this.failure(what, file, err));
  }

  async createReadStream(file: string): Promise<Readable> {
    const handle = await this.openHandle(file, 'r');
    let st: Stats;
    try {
      st = await this.call<Stats>((done) => this.sftp.fstat(handle, done));
    } catch (err) {
      closeQuietly(this.sftp, handle, () => undefined);
      throw this.failure('read', file, err);
    }
    if (st.isDirectory()) {
      closeQuietly(this.sftp, handle, () => undefined);
      throw new EngineError(`cannot read ${file} on the ssh storage ${this.label}: it is a directory`);
    }
    return new SftpReadStream(this.sftp, handle, st.size, (what, err) => this.failure(what, file, err));
  }

  async readFile(file: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of await this.createReadStream(file)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async writeFile(file: string, data: Buffer | string): Promise<void> {
    const stream = await this.createWriteStream(file);
    await finished(stream.end(data));
  }

  /** SFTP v3 RENAME never replaces (OpenSSH: link+unlink for files, a check for directories). */
  async rename(from: string, to: string): Promise<void> {
    try {
      await this.call((done) => this.sftp.rename(from, to, done));
    } catch (err) {
      const reason = (await this.lstat(to)) ? 'the target exists' : reasonOf(err);
      throw new EngineError(`cannot rename ${from} to ${to} on the ssh storage ${this.label}: ${reason}`, { cause: err });
    }
  }

  async removeTree(target: string): Promise<void> {
    const st = await this.lstat(target);
    if (st) await this.removeEntry(target, st.isDirectory());
  }

  /** readdir attributes come from lstat on the server: a symlink is removed, never followed. */
  private async removeEntry(target: string, isDirectory: boolean): Promise<void> {
    try {
      if (isDirectory) {
        const entries = await this.call<Array<{ filename: string; attrs: Stats }>>((done) => this.sftp.readdir(target, done));
        // A few requests at a time: sftp pipelines them, and a huge directory does not flood the link.
        for (let i = 0; i < entries.length; i += DEPTH) {
          const batch = entries.slice(i, i + DEPTH);
          await Promise.all(batch.map((e) => this.removeEntry(path.posix.join(target, e.filename), e.attrs.isDirectory())));
        }
      }
      await this.call((done) => (isDirectory ? this.sftp.rmdir(target, done) : this.sftp.unlink(target, done)));
    } catch (err) {
      if (codeOf(err) !== NO_SUCH_FILE) throw this.failure('remove', target, err);
    }
  }

  async stat(target: string): Promise<StorageStat | null> {
    try {
      const st = await this.call<Stats>((done) => this.sftp.stat(target, done));
      return { size: st.size, mtimeMs: st.mtime * 1000, isDirectory: st.isDirectory() };
    } catch (err) {
      if (codeOf(err) === NO_SUCH_FILE) return null;
      throw this.failure('stat', target, err);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    const closed = new Promise<void>((resolve) => this.client.once('close', () => resolve()));
    this.lost ??= 'the storage was closed';
    this.client.end();
    await closed;
  }

  private async lstat(target: string): Promise<Stats | null> {
    try {
      return await this.call<Stats>((done) => this.sftp.lstat(target, done));
    } catch (err) {
      if (codeOf(err) === NO_SUCH_FILE) return null;
      throw this.failure('stat', target, err);
    }
  }

  private async openHandle(file: string, flags: 'r' | 'w'): Promise<Buffer> {
    try {
      // The mode applies when the server creates the file (its umask can only narrow it).
      return await this.call<Buffer>((done) => this.sftp.open(file, flags, { mode: PRIVATE_FILE_MODE }, done));
    } catch (err) {
      if (flags === 'r' && codeOf(err) === NO_SUCH_FILE) {
        throw new EngineError(`${file}: no such file on the ssh storage ${this.label}`, { cause: err });
      }
      throw this.failure(flags === 'r' ? 'read' : 'write', file, err);
    }
  }

  /** One SFTP request as a promise; refused at once when the connection is gone (ssh2 would hang or throw). */
  private call<T = void>(run: (done: (err: Error | null | undefined, value?: T) => void) => void): Promise<T> {
    if (this.lost) return Promise.reject(new EngineError(`ssh storage ${this.label}: connection lost (${this.lost})`));
    return new Promise((resolve, reject) => run((err, value) => (err ? reject(err) : resolve(value as T))));
  }

  private failure(what: string, target: string, err: unknown): EngineError {
    if (err instanceof EngineError) return err;
    const reason = this.lost ? `connection lost (${this.lost})` : reasonOf(err);
    return new EngineError(`cannot ${what} ${target} on the ssh storage ${this.label}: ${reason}`, { cause: err });
  }
}

interface Settled {
  host: string;
  port: number;
  label: string;
  keyFile?: string;
  knownHosts: string;
  knownHostsFile: string;
  accept: boolean;
  config: ConnectConfig;
}

/** Checks the options and reads the key and known_hosts, so mistakes surface before any network traffic. */
async function settle(opts: SftpOptions): Promise<Settled> {
  const host = opts.host?.trim();
  if (!host) throw new EngineError('ssh_host: the ssh storage needs the host name or address of the server');
  const username = opts.username?.trim();
  if (!username) throw new EngineError('ssh_username: the ssh storage needs the user to log in as');
  const port = opts.port ?? 22;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new EngineError(`ssh_port: ${port} is not a TCP port (1-65535)`);
  const privateKey = await readKey(opts.keyFile, opts.password !== undefined && opts.password !== '');
  const knownHostsFile = opts.knownHostsFile ?? path.join(os.homedir(), '.ssh', 'known_hosts');
  const knownHosts = await readKnownHosts(knownHostsFile);
  const config: ConnectConfig = {
    host, port, username, privateKey, password: opts.password || undefined,
    readyTimeout: opts.timeoutMs ?? 20000,
    // A server that stops answering is dropped after 3 missed keepalives; pending calls then fail.
    keepaliveInterval: 15000,
    algorithms: { serverHostKey: hostKeyAlgorithms(knownKeyTypes(knownHosts, host, port)) },
  };
  const label = `${username}@${host}:${port}`;
  return { host, port, label, keyFile: opts.keyFile, knownHosts, knownHostsFile, accept: opts.acceptUnknownHost === true, config };
}

async function readKey(keyFile: string | undefined, hasPassword: boolean): Promise<Buffer | undefined> {
  if (!keyFile) {
    if (hasPassword) return undefined;
    throw new EngineError('ssh_key: the ssh storage needs a private key file (or a password)');
  }
  let key: Buffer;
  try {
    key = await fs.readFile(keyFile);
  } catch (err) {
    if (hasPassword && codeOf(err) === 'ENOENT') return undefined;
    const reason = codeOf(err) === 'ENOENT' ? 'the file does not exist' : reasonOf(err);
    throw new EngineError(`ssh_key: cannot read the private key ${keyFile}: ${reason}`, { cause: err });
  }
  const parsed = utils.parseKey(key);
  if (parsed instanceof Error) throw new EngineError(`ssh_key: ${keyFile} is not a usable private key: ${parsed.message}`);
  return key;
}

async function readKnownHosts(file: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if (codeOf(err) === 'ENOENT') return '';
    throw new EngineError(`cannot read the known hosts file ${file}: ${reasonOf(err)}`, { cause: err });
  }
}

/** Ask for the key types known_hosts holds first, as OpenSSH does, so a known host is not reported as changed. */
function hostKeyAlgorithms(knownTypes: string[]): ServerHostKeyAlgorithm[] {
  const wanted = knownTypes.flatMap((t) => (t === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [t]));
  const preferred = HOST_KEY_ALGORITHMS.filter((a) => wanted.includes(a)).sort((a, b) => wanted.indexOf(a) - wanted.indexOf(b));
  return [...new Set([...preferred, ...HOST_KEY_ALGORITHMS])];
}

/** The host key decision, kept so a refusal becomes the operator's message instead of ssh2's. */
class HostCheck {
  refusal: string | null = null;
  unknownAccepted = false;
  fingerprint = '';

  constructor(
    private readonly knownHosts: string,
    private readonly file: string,
    private readonly host: string,
    private readonly port: number,
    private readonly accept: boolean,
  ) {}

  verify(key: Buffer): boolean {
    const name = knownHostsName(this.host, this.port);
    this.fingerprint = fingerprintOf(key);
    const shown = `${keyTypeOf(key)} key ${this.fingerprint}`;
    const verdict = hostKeyVerdict(this.knownHosts, this.host, this.port, key);
    if (verdict === 'match') return true;
    if (verdict === 'unknown' && this.accept) return (this.unknownAccepted = true);
    this.refusal = {
      mismatch: `the host key of ${name} does not match ${this.file}: possible man-in-the-middle attack; the server offered the ${shown}. ` +
        `If the key was changed on purpose, remove the old one (ssh-keygen -R '${name}' -f ${this.file}) and add the new one`,
      revoked: `the host key of ${name} is marked @revoked in ${this.file}: refusing the ${shown} (possible man-in-the-middle attack)`,
      unknown: `the host ${name} is not in ${this.file}; check the ${shown} with the server's administrator, then add it ` +
        `(ssh-keyscan -p ${this.port} ${this.host} >> ${this.file}) or set ssh_accept_unknown_host`,
    }[verdict];
    return false;
  }
}

function connect(client: Client, config: ConnectConfig, check: HostCheck, settled: Settled): Promise<SFTPWrapper> {
  return new Promise((resolve, reject) => {
    const fail = (err: Error & { level?: string }) => {
      client.removeAllListeners('ready');
      client.on('error', () => undefined);
      client.end();
      const reason = check.refusal ?? (err.level === 'client-authentication'
        ? `authentication failed for user ${config.username} with ${credentialsOf(config, settled.keyFile)}`
        : reasonOf(err));
      reject(new EngineError(`cannot connect to ssh storage ${settled.label}: ${reason}`, { cause: err }));
    };
    client.once('error', fail);
    client.once('ready', () => client.sftp((err, sftp) => {
      if (err) return fail(err);
      client.removeListener('error', fail);
      resolve(sftp);
    }));
    client.connect(config);
  });
}

function credentialsOf(config: ConnectConfig, keyFile?: string): string {
  const used = [config.privateKey ? `the key ${keyFile}` : '', config.password ? 'the password' : ''];
  return used.filter(Boolean).join(' and ');
}


function codeOf(err: unknown): unknown {
  return (err as { code?: unknown } | null)?.code;
}

function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
