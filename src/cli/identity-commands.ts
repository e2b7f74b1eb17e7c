import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { Command } from 'commander';
import type { Config, ConfigFlags } from '../config/config';
import type { IdentityServices } from '../services/identity';

interface Common extends ConfigFlags {
  json?: boolean;
}

/** Identity administration from a shell, straight on the store (no running server needed). */
export function addIdentityCommands(program: Command): void {
  const project = group(program, 'project', 'manage projects (tenants)');
  cmd(project, 'create <name>', 'create a project', (c) => c.option('--description <text>', 'description'), async (id, [name], o) => {
    const p = await id.projects.create({ name, description: o.description });
    return { id: p.id, name: p.name };
  });
  cmd(project, 'list', 'list projects', (c) => c, async (id) => (await id.projects.list()).map((p) => ({ id: p.id, name: p.name, enabled: p.enabled })));
  cmd(project, 'delete <project>', 'delete a project (id or name); its tokens stop working', (c) => c, async (id, [ref]) => {
    await id.projects.delete((await id.projects.find(ref)).id);
    return { deleted: ref };
  });

  const user = group(program, 'user', 'manage users');
  cmd(user, 'create <name>', 'create a user; the password comes from stdin, a file, or is generated', passwordOptions, async (id, [name], o) => {
    const { password, generated } = readPassword(o);
    const u = await id.users.create({ name, password });
    return { id: u.id, name: u.name, ...(generated ? { password } : {}) };
  });
  cmd(user, 'list', 'list users', (c) => c, async (id) => (await id.users.list()).map((u) => ({ id: u.id, name: u.name, enabled: u.enabled })));
  cmd(user, 'set-password <user>', "set a user's password (ends their sessions)", passwordOptions, async (id, [ref], o) => {
    const { password, generated } = readPassword(o);
    await id.users.update((await id.users.find(ref)).id, { password });
    return { user: ref, ...(generated ? { password } : {}) };
  });
  cmd(user, 'delete <user>', 'delete a user (id or name); their tokens stop working', (c) => c, async (id, [ref]) => {
    await id.users.delete((await id.users.find(ref)).id);
    return { deleted: ref };
  });

  const role = group(program, 'role', 'manage roles and role assignments');
  cmd(role, 'list', 'list roles', (c) => c, async (id) => (await id.roles.list()).map((r) => ({ id: r.id, name: r.name })));
  cmd(role, 'create <name>', 'create a role (admin, member and reader always exist)', (c) => c, async (id, [name]) => {
    const r = await id.roles.create({ name });
    return { id: r.id, name: r.name };
  });
  const assignment = (c: Command) => c.requiredOption('--user <user>', 'user id or name').requiredOption('--project <project>', 'project id or name');
  cmd(role, 'grant <role>', 'give a user a role on a project', assignment, async (id, [ref], o) => {
    const [u, p, r] = await Promise.all([id.users.find(o.user), id.projects.find(o.project), id.roles.find(ref)]);
    await id.grant(p.id, u.id, r.id);
    return { user: u.name, project: p.name, role: r.name };
  });
  cmd(role, 'revoke <role>', 'take a role on a project away from a user (ends their sessions)', assignment, async (id, [ref], o) => {
    const [u, p, r] = await Promise.all([id.users.find(o.user), id.projects.find(o.project), id.roles.find(ref)]);
    await id.users.revoke(p.id, u.id, r.id);
    return { user: u.name, project: p.name, revoked: r.name };
  });

  const credential = group(program, 'credential', 'manage application credentials (what agents log in with)');
  cmd(
    credential,
    'create <name>',
    'create an application credential; its secret is printed once',
    (c) =>
      assignment(c)
        .option('--role <role...>', 'roles it carries (default: all the user has on the project)')
        .option('--expires <iso-date>', 'expiry, e.g. 2027-01-01T00:00:00Z')
        .option('--client-id <client>', 'limit its tokens to this scheduler client'),
    async (id, [name], o) => {
      const [u, p] = await Promise.all([id.users.find(o.user), id.projects.find(o.project)]);
      const owner = await id.credentialOwner(u, p.id, null);
      const roles = (o.role as string[] | undefined)?.map((r) => ({ name: r }));
      const { credential: c, secret } = await id.credentials.create(owner, { name, roles, expires_at: o.expires, client_id: o.clientId });
      return { id: c.id, name: c.name, secret, project_id: c.project_id, expires_at: c.expires_at, client_id: c.client_id };
    },
  );
  cmd(credential, 'list', "list a user's application credentials", (c) => c.requiredOption('--user <user>', 'user id or name'), async (id, _a, o) => {
    const u = await id.users.find(o.user);
    return (await id.credentials.list(u.id)).map((c) => ({ id: c.id, name: c.name, project_id: c.project_id, expires_at: c.expires_at, client_id: c.client_id }));
  });
  cmd(credential, 'revoke <id>', 'delete an application credential; its tokens stop working', (c) => c.requiredOption('--user <user>', 'user id or name'), async (id, [credId], o) => {
    const u = await id.users.find(o.user);
    await id.credentials.delete(u.id, credId);
    return { revoked: credId };
  });

  const token = group(program, 'token', 'issue tokens for scripts');
  cmd(
    token,
    'issue',
    "print a token for a user on a project, with the user's roles there",
    (c) => assignment(c).option('--client-id <client>', 'limit the token to this scheduler client').option('--ttl <seconds>', 'lifetime in seconds (default: jwt.ttl_s)'),
    async (id, _a, o, config) => {
      const [u, p] = await Promise.all([id.users.find(o.user), id.projects.find(o.project)]);
      const roles = await id.roles.namesOf(id.users.roleIds(u, p.id));
      if (roles.length === 0) throw new CliError(`user ${u.name} has no role on project ${p.name}`);
      const [{ MAX_TOKEN_TTL_S, TokenIssuer }, { loadSigningKeys }] = await Promise.all([import('../auth/tokens'), import('../auth/signing-keys')]);
      const ttl = o.ttl === undefined ? config.jwt.ttl_s : Number(o.ttl);
      if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TOKEN_TTL_S) throw new CliError(`--ttl: '${o.ttl}' is not a whole number of seconds from 1 to ${MAX_TOKEN_TTL_S}`);
      const issuer = new TokenIssuer(loadSigningKeys(config.jwt, config.data_dir, false), { ...config.jwt, ttl_s: ttl });
      const claims = { sub: u.id, name: u.name, project: p.id, project_name: p.name, roles, methods: ['token'] };
      process.stdout.write(`${issuer.issue({ ...claims, ...(o.clientId ? { cid: o.clientId } : {}) }).token}\n`);
      return undefined;
    },
  );
}

/** An error whose message is the whole story for the operator. */
class CliError extends Error {}

function group(program: Command, name: string, description: string): Command {
  return withConfigOptions(program.command(name).description(description)).showHelpAfterError();
}

function withConfigOptions(c: Command): Command {
  return c
    .option('-c, --config <file>', 'YAML config file (env PERMAFROST_CONFIG)')
    .option('--data-dir <dir>', 'data directory (env PERMAFROST_DATA_DIR, default ./data)')
    .option('--database <url>', 'database URL (env PERMAFROST_DATABASE)')
    .option('--json', 'print JSON instead of text');
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Action = (id: IdentityServices, args: string[], opts: Record<string, any>, config: Config) => Promise<unknown>;

function cmd(parent: Command, spec: string, description: string, options: (c: Command) => Command, action: Action): void {
  const c = withConfigOptions(options(parent.command(spec).description(description)));
  c.action(async (...args: unknown[]) => {
    const positional = args.slice(0, -2) as string[];
    const opts = { ...parent.opts(), ...(args[args.length - 2] as Common) };
    await run(opts, async (id, config) => print(await action(id, positional, opts, config), Boolean(opts.json)));
  });
}

/**
 * Opens the configured store, runs one command, closes it; errors become one clear line. The
 * store, auth and validation modules load here, so other commands do not pay for them.
 */
async function run(flags: Common, fn: (id: IdentityServices, config: Config) => Promise<unknown>): Promise<void> {
  const [{ loadConfig }, { openStore }, { createIdentity }, { createValidator }, { AppError }, { explainMissingDatabase }] = await Promise.all([
    import('../config/config'), import('../store/open-store'), import('../auth/setup'), import('../validation'), import('../errors'),
    import('./missing-database'),
  ]);
  const config = loadConfig({ config: flags.config, dataDir: flags.dataDir, database: flags.database });
  const store = openStore(config);
  // Never create a database (or keys) here: a mistyped --data-dir must fail, not succeed on an empty one.
  await store.start({ create: false }).catch((err: unknown) => {
    throw explainMissingDatabase(err, config.data_dir);
  });
  try {
    const identity = createIdentity(config, store, createValidator(), { generateKeys: false });
    await identity.deps.revocations.refresh();
    await identity.roles.ensureBuiltins();
    await fn(identity, config);
  } catch (err) {
    if (err instanceof AppError) throw new CliError(err.description || err.title);
    throw err;
  } finally {
    await store.stop();
  }
}

function print(result: unknown, json: boolean): void {
  if (result === undefined) return;
  if (json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  const rows = Array.isArray(result) ? result : [result];
  for (const row of rows) {
    process.stdout.write(`${Object.entries(row as object).map(([k, v]) => `${k}=${v ?? ''}`).join(' ')}\n`);
  }
}

function passwordOptions(c: Command): Command {
  return c
    .option('--password-stdin', 'read the password from standard input')
    .option('--password-file <file>', 'read the password from a file')
    .option('--generate-password', 'generate a password and print it once');
}

/** Passwords never come from the command line itself: it is visible to every user in `ps`. */
function readPassword(o: Record<string, unknown>): { password: string; generated: boolean } {
  const sources = ['passwordStdin', 'passwordFile', 'generatePassword'].filter((k) => o[k] !== undefined);
  if (sources.length !== 1) throw new CliError('give exactly one of --password-stdin, --password-file <file>, --generate-password');
  if (o.generatePassword) return { password: randomBytes(18).toString('base64url'), generated: true };
  const text = o.passwordStdin ? fs.readFileSync(0, 'utf8') : readFile(o.passwordFile as string);
  const password = text.replace(/\r?\n$/, '');
  if (password.length < 8) throw new CliError('the password must be at least 8 characters long');
  return { password, generated: false };
}

function readFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}
