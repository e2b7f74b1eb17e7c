import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { ConfigError, loadConfig, type Config, type ConfigFlags } from '../config/config';
import { checksumStore, migrate, type ContentSum } from '../store/migrate';
import { openStore } from '../store/open-store';
import { redactCredentials } from '../store/redact-credentials';
import type { Store } from '../store/types';

interface MigrateFlags {
  from: string;
  to: string;
  config?: string;
}

/** `permafrost db sync|migrate|checksum`: database maintenance from a shell (servers stopped). */
export function addDbCommands(program: Command): void {
  const db = program
    .command('db')
    .description('database maintenance: schema upgrades, copies between engines, content checksums')
    .showHelpAfterError();
  withConfigOptions(db.command('sync'))
    .description('create or upgrade the schema and indexes of the configured database')
    .action((flags: ConfigFlags) => oneLineErrors(() => sync(flags)));
  db.command('migrate')
    .description('copy a whole deployment into a new, empty database (e.g. sqlite to mongodb) and verify the copy')
    .requiredOption('--from <url>', 'source database: sqlite:/path/file.db or mongodb://...')
    .requiredOption('--to <url>', 'target database, which must be empty: sqlite:/path/file.db or mongodb://...')
    .option('-c, --config <file>', 'YAML config file for engine settings (env PERMAFROST_CONFIG)')
    .showHelpAfterError()
    .action((flags: MigrateFlags) => oneLineErrors(() => migrateCommand(flags)));
  withConfigOptions(db.command('checksum'))
    .description('print the document count and content checksum of every collection and registry (compare deployments)')
    .action((flags: ConfigFlags) => oneLineErrors(() => checksumCommand(flags)));
}

function withConfigOptions(c: Command): Command {
  return c
    .option('-c, --config <file>', 'YAML config file (env PERMAFROST_CONFIG)')
    .option('--data-dir <dir>', 'data directory (env PERMAFROST_DATA_DIR, default ./data)')
    .option('--database <url>', 'database URL (env PERMAFROST_DATABASE, default sqlite:<data-dir>/permafrost.db)')
    .showHelpAfterError();
}

async function sync(flags: ConfigFlags): Promise<void> {
  const config = configFrom(flags);
  // start() is what creates or upgrades the schema and indexes, on every engine.
  await withStores([config.database], config, async ([store]) => {
    say(`${store.engine} ${redactCredentials(config.database)}: schema and indexes are up to date`);
  });
}

async function checksumCommand(flags: ConfigFlags): Promise<void> {
  const config = configFrom(flags);
  mustExist(config.database);
  await withStores([config.database], config, async ([store]) => printSums(await checksumStore(store)));
}

async function migrateCommand(flags: MigrateFlags): Promise<void> {
  const config = configFrom({ config: flags.config });
  if (sameDatabase(flags.from, flags.to)) throw new Error('--from and --to name the same database');
  mustExist(flags.from);
  await withStores([flags.from, flags.to], config, async ([from, to]) => {
    const report = await migrate(from, to, say);
    if (report.source.every((s) => s.count === 0)) say('note: the source database is empty');
    say(`source ${from.engine} ${redactCredentials(flags.from)}`);
    printSums(report.source);
    say(`target ${to.engine} ${redactCredentials(flags.to)}`);
    printSums(report.target);
    say(`identical: ${report.target.reduce((n, s) => n + s.count, 0)} documents and records`);
  });
}

/** Opens and starts each database in turn, runs `fn`, and stops every one that started. */
async function withStores(urls: string[], config: Config, fn: (stores: Store[]) => Promise<void>): Promise<void> {
  const started: Store[] = [];
  try {
    for (const url of urls) {
      const store = openStore({ database: url, sqlite: config.sqlite });
      await start(store, url);
      started.push(store);
    }
    await fn(started);
  } finally {
    for (const store of started) await store.stop();
  }
}

async function start(store: Store, url: string): Promise<void> {
  try {
    await store.start();
  } catch (err) {
    throw new Error(`cannot open ${redactCredentials(url)}: ${(err as Error).message}`);
  }
}

function configFrom(flags: ConfigFlags): Config {
  try {
    return loadConfig(flags);
  } catch (err) {
    if (err instanceof ConfigError) throw new Error(`invalid configuration: ${err.problems.join('; ')}`);
    throw err;
  }
}

/**
 * Opening a SQLite file that is not there creates an empty database: a mistyped source path
 * would then "migrate" nothing and leave a stray file behind.
 */
function mustExist(url: string): void {
  if (url.startsWith('sqlite:') && url !== 'sqlite::memory:' && !fs.existsSync(url.slice('sqlite:'.length))) {
    throw new Error(`no database at ${url}`);
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
async function oneLineErrors(fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(redactCredentials(message).split('\n').map((l) => l.trim()).filter(Boolean).join(' '));
  }
}
