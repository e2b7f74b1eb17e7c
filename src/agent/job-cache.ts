import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { JobDoc } from './freezer-api';
import { StartError } from './start-error';

/** What a secret's value becomes in the cache; an action that still holds it is refused (ActionPolicy). */
export const REDACTED = '<redacted by the permafrost agent>';

/** Keys whose values are secrets wherever they appear in a job (ssh_password, secret_key, ftp_password...). */
const SECRET_KEY = /pass(word|wd)|secret|token|private_key/i;

const DIR_MODE = 0o700;
const FILE_MODE = 0o600;

/**
 * `<jobs dir>/job_<id>.conf`, the copy of each polled job the stock scheduler keeps (spec B.3).
 * Nothing reads it back while the agent polls the API (only `--no-api` reads job files, which the
 * operator writes), so secrets in it are redacted; the directory is 0700 and the files 0600
 * whatever the umask.
 */
export class JobCache {
  private readonly written = new Map<string, string>();

  constructor(
    private readonly dir: string,
    private readonly log: Logger,
  ) {}

  /**
   * At start: creates the directory 0700, or tightens an existing one the agent's user owns (it is
   * the agent's own cache: nothing is lost by closing it, while refusing would stop an upgraded
   * agent for a file mode). Cached files get 0600 and lose the secrets an earlier version left in
   * them. A directory the agent cannot secure (another owner) is a StartError.
   */
  async prepare(): Promise<void> {
    try {
      await fs.mkdir(this.dir, { recursive: true, mode: DIR_MODE });
    } catch (err) {
      throw new StartError(`jobs_dir ${this.dir}: cannot create it (${(err as Error).message}); choose another with --jobs-dir`);
    }
    const st = await fs.stat(this.dir);
    if (!st.isDirectory()) throw new StartError(`jobs_dir ${this.dir} is not a directory; choose another with --jobs-dir`);
    if ((st.mode & 0o777) !== DIR_MODE) await this.tighten(st);
    for (const name of await fs.readdir(this.dir)) {
      if (/^job_.*\.conf$/.test(name)) await this.scrub(path.join(this.dir, name));
    }
  }

  /** Writes the job's file when its content changed; failures are logged (the cache is not needed to run). */
  async write(id: string, doc: JobDoc): Promise<void> {
    const text = JSON.stringify(redactSecrets(doc), null, 4);
    if (this.written.get(id) === text) return;
    try {
      await writePrivate(path.join(this.dir, `job_${id.replace(/[^\w.-]/g, '_')}.conf`), text);
      this.written.set(id, text);
    } catch (err) {
      this.log.warn({ jobId: id, err: (err as Error).message }, 'cannot cache the job document');
    }
  }

  private async tighten(st: { uid: number; mode: number }): Promise<void> {
    const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
    try {
      await fs.chmod(this.dir, DIR_MODE);
      this.log.warn({ dir: this.dir, was: mode }, 'jobs_dir was open to other users: made it 0700');
    } catch (err) {
      throw new StartError(
        `jobs_dir ${this.dir} is mode ${mode} (owner uid ${st.uid}) and cannot be made 0700 (${(err as NodeJS.ErrnoException).code}): ` +
          `chmod 700 it as its owner, or choose a directory of the agent's user with --jobs-dir`,
      );
    }
  }

  private async scrub(file: string): Promise<void> {
    try {
      const text = await fs.readFile(file, 'utf8');
      const clean = JSON.stringify(redactSecrets(JSON.parse(text) as unknown), null, 4);
      if (clean !== text) await writePrivate(file, clean);
      else await fs.chmod(file, FILE_MODE);
    } catch (err) {
      this.log.warn({ file, err: (err as Error).message }, 'cannot check a cached job file');
    }
  }
}

/** A copy of `value` with the value of every secret-looking key replaced by REDACTED. */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    const secret = SECRET_KEY.test(key) && inner !== null && inner !== '' && typeof inner !== 'object';
    // defineProperty: a key named __proto__ stays a plain key of the copy.
    Object.defineProperty(out, key, { value: secret ? REDACTED : redactSecrets(inner), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** Write-then-rename, so a reader never sees half a file, and the new file is 0600 from its creation. */
async function writePrivate(file: string, text: string): Promise<void> {
  const temp = `${file}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  try {
    await fs.writeFile(temp, text, { mode: FILE_MODE, flag: 'wx' });
    await fs.chmod(temp, FILE_MODE);
    await fs.rename(temp, file);
  } catch (err) {
    await fs.rm(temp, { force: true });
    throw err;
  }
}
