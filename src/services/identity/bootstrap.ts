import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../../config/config';
import { redactCredentials } from '../../store/redact-credentials';
import { DuplicateError } from '../../store/types';
import type { IdentityServices } from '.';
import type { UserRecord } from './records';

export interface BootstrapOutcome {
  /** The admin user created now, if any. */
  created: string | null;
  /** Where a generated first password was written (never logged itself). */
  passwordFile: string | null;
}

/** Name of the file holding the generated first admin password of the default database, in the data directory. */
export const INITIAL_PASSWORD_FILE = 'initial-admin-password';

type BootstrapConfig = Pick<Config, 'bootstrap' | 'data_dir' | 'database'>;

/**
 * Like `keystone-manage bootstrap`: the built-in roles, and an admin project and user holding
 * the admin role when an admin password is configured. An existing user keeps its password.
 * With no password configured and no user at all, a random one is generated into a file only
 * the owner can read, so a jwt deployment never starts with no way to log in.
 */
export async function bootstrapIdentity(identity: IdentityServices, config: BootstrapConfig): Promise<BootstrapOutcome> {
  await identity.roles.ensureBuiltins();
  const { admin_user: userName, admin_project: projectName } = config.bootstrap;
  let password = config.bootstrap.admin_password;
  let passwordFile: string | null = null;
  if (password === null) {
    if ((await identity.users.count()) > 0) return { created: null, passwordFile: null };
    password = randomBytes(18).toString('base64url');
    passwordFile = writeNewOwnerOnly(initialPasswordFile(config), `${password}\n`, config.database);
  }
  const project = (await identity.projects.getByName(projectName)) ?? (await createOrFind(() => identity.projects.create({ name: projectName }), () => identity.projects.getByName(projectName)));
  let created: string | null = null;
  let user: UserRecord | null = (await identity.users.list({ name: userName }))[0] ?? null;
  if (!user) {
    user = await createOrFind(
      () => identity.users.create({ name: userName, password, default_project_id: project?.id ?? null }),
      async () => (await identity.users.list({ name: userName }))[0] ?? null,
    );
    created = userName;
  }
  if (project && user) await identity.users.grant(project.id, user.id, 'admin');
  return { created, passwordFile };
}

/** Two processes starting at once may both try: the loser uses the winner's record. */
async function createOrFind<T>(create: () => Promise<T>, find: () => Promise<T | null>): Promise<T | null> {
  try {
    return await create();
  } catch (err) {
    if (!(err instanceof DuplicateError) && (err as { status?: number }).status !== 409) throw err;
    return find();
  }
}

/**
 * The generated password belongs to one database: the default database's is
 * `<data_dir>/initial-admin-password` (as the README says); any other database gets its own
 * file, named after it, so starting on a new database never touches another one's password.
 */
export function initialPasswordFile(config: Pick<Config, 'data_dir' | 'database'>): string {
  const defaultDb = `sqlite:${path.join(config.data_dir, 'permafrost.db')}`;
  if (config.database === defaultDb) return path.join(config.data_dir, INITIAL_PASSWORD_FILE);
  if (config.database === 'sqlite::memory:') {
    throw new Error('an in-memory database keeps no users across restarts: set PERMAFROST_ADMIN_PASSWORD (bootstrap.admin_password) to log in');
  }
  const location = config.database.startsWith('sqlite:') ? path.resolve(config.database.slice('sqlite:'.length)) : redactCredentials(config.database);
  const label = (location.split(/[/?]/).filter(Boolean).pop() ?? 'database').replace(/\.db$/, '').replace(/[^A-Za-z0-9._-]/g, '_');
  const digest = createHash('sha256').update(location).digest('hex').slice(0, 8);
  return path.join(config.data_dir, `${INITIAL_PASSWORD_FILE}-${label}-${digest}`);
}

/**
 * Never overwrites: an existing file holds the password of a database that was here before
 * (moved, deleted, or replaced), and may be the only way into it.
 */
function writeNewOwnerOnly(file: string, text: string, database: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    throw new Error(
      `${file} already exists, from an earlier database at ${redactCredentials(database)} that had an admin; ` +
        'Permafrost never overwrites it. Keep it if that database still matters (move it elsewhere), or delete it, ' +
        'or set PERMAFROST_ADMIN_PASSWORD (bootstrap.admin_password), then start again',
    );
  }
  try {
    fs.fchmodSync(fd, 0o600);
    fs.writeFileSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return file;
}
