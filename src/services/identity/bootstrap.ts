import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../../config/config';
import { DuplicateError } from '../../store/types';
import type { IdentityServices } from '.';
import type { UserRecord } from './records';

export interface BootstrapOutcome {
  /** The admin user created now, if any. */
  created: string | null;
  /** Where a generated first password was written (never logged itself). */
  passwordFile: string | null;
}

/** Name of the file holding the generated first admin password, in the data directory. */
export const INITIAL_PASSWORD_FILE = 'initial-admin-password';

/**
 * Like `keystone-manage bootstrap`: the built-in roles, and an admin project and user holding
 * the admin role when an admin password is configured. An existing user keeps its password.
 * With no password configured and no user at all, a random one is generated into a file only
 * the owner can read, so a jwt deployment never starts with no way to log in.
 */
export async function bootstrapIdentity(identity: IdentityServices, config: Pick<Config, 'bootstrap' | 'data_dir'>): Promise<BootstrapOutcome> {
  await identity.roles.ensureBuiltins();
  const { admin_user: userName, admin_project: projectName } = config.bootstrap;
  let password = config.bootstrap.admin_password;
  let passwordFile: string | null = null;
  if (password === null) {
    if ((await identity.users.count()) > 0) return { created: null, passwordFile: null };
    password = randomBytes(18).toString('base64url');
    passwordFile = writeOwnerOnly(path.join(config.data_dir, INITIAL_PASSWORD_FILE), `${password}\n`);
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

function writeOwnerOnly(file: string, text: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, text, { mode: 0o600 });
  return file;
}
