/** What `permafrost db ...` runs; loaded only when one of them is invoked (db-commands.ts). */
import path from 'node:path';
import { ConfigError, loadConfig, type Config, type ConfigFlags } from '../config/config';
import { loadSigningKeys } from '../auth/signing-keys';
import { checksumStore, migrate, type ContentSum } from '../store/migrate';
import { openStore } from '../store/open-store';
import { redactCredentials } from '../store/redact-credentials';
import { MissingDatabaseError, type Store } from '../store/types';
import { ensurePrivateDataDir } from '../config/data-dir';
import { explainMissingDatabase } from './missing-database';

export interface MigrateFlags {
  from: string;
  to: string;
  config?: string;
}

export async function sync(flags: ConfigFlags): Promise<void> {
  const config = loadConfig(flags);
  ensurePrivateDataDir(config.data_dir);
  // start() is what creates or upgrades the schema and indexes, on every engine.
  await withStores([{ url: config.database, create: true }], config, async ([store]) => {
    say(`${store.engine} ${redactCredentials(config.database)}: schema and indexes are up to date`);
  });
  if (config.auth === 'jwt') {
    // A deployment set up from the shell gets what `serve` would generate on first start, so the
    // identity commands (which never create anything) work on it right away.
    loadSigningKeys(config.jwt, config.data_dir);
    say(`token signing keys (${config.jwt.algorithm}): ready in ${config.data_dir}`);
  }
}

export async function checksumCommand(flags: ConfigFlags): Promise<void> {
  const config = loadConfig(flags);
  await withStores([{ url: config.database, create: false }], config, async ([store]) => printSums(await checksumStore(store)));
}

export async function migrateCommand(flags: MigrateFlags): Promise<void> {
  const config = loadConfig({ config: flags.config });
  if (sameDatabase(flags.from, flags.to)) throw new Error('--from and --to name the same database');
  // The source must exist (a mistyped path would "migrate" nothing); the target is created.
  await withStores([{ url: flags.from, create: false }, { url: flags.to, create: true }], config, async ([from, to]) => {
    const report = await migrate(from, to, say);
    if (report.source.every((s) => s.count === 0)) say('note: the source database is empty');
    say(`source ${from.engine} ${redactCredentials(flags.from)}`);
    printSums(report.source);
    say(`target ${to.engine} ${redactCredentials(flags.to)}`);
    printSums(report.target);
    say(`identical: ${report.target.reduce((n, s) => n + s.count, 0)} documents and records`);
  });
}

/** Opens and starts each database in turn (creating it only where asked), runs `fn`, and stops every one that started. */
async function withStores(dbs: Array<{ url: string; create: boolean }>, config: Config, fn: (stores: Store[]) => Promise<void>): Promise<void> {
  const started: Store[] = [];
  try {
    for (const { url, create } of dbs) {
      const store = openStore({ database: url, sqlite: config.sqlite });
      await start(store, url, create, config.data_dir);
      started.push(store);
    }
    await fn(started);
  } finally {
    for (const store of started) await store.stop();
  }
}

async function start(store: Store, url: string, create: boolean, dataDir: string): Promise<void> {
  try {
    await store.start({ create });
  } catch (err) {
    if (err instanceof MissingDatabaseError) throw explainMissingDatabase(err, dataDir);
    throw new Error(`cannot open ${redactCredentials(url)}: ${(err as Error).message}`);
  }
}

function sameDatabase(a: string, b: string): boolean {
  const normal = (url: string) => (url.startsWith('sqlite:') ? `sqlite:${path.resolve(url.slice('sqlite:'.length))}` : url);
  return a !== 'sqlite::memory:' && normal(a) === normal(b);
}

function printSums(sums: ContentSum[]): void {
  for (const s of sums) say(`${s.name} ${s.count} ${s.checksum}`);
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

/**
 * The program prints a failed command's message as `permafrost: <message>` and exits 1; this
 * makes sure that is one line and never shows database credentials.
 */
export async function oneLineErrors(fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(redactCredentials(message).split('\n').map((l) => l.trim()).filter(Boolean).join(' '));
  }
}
