/** What `permafrost db ...` runs; loaded only when one of them is invoked (db-commands.ts). */
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig, type Config, type ConfigFlags } from '../config/config';
import { checksumStore, migrate, type ContentSum } from '../store/migrate';
import { openStore } from '../store/open-store';
import { redactCredentials } from '../store/redact-credentials';
import type { Store } from '../store/types';

export interface MigrateFlags {
  from: string;
  to: string;
  config?: string;
}

export async function sync(flags: ConfigFlags): Promise<void> {
  const config = configFrom(flags);
  // start() is what creates or upgrades the schema and indexes, on every engine.
  await withStores([config.database], config, async ([store]) => {
    say(`${store.engine} ${redactCredentials(config.database)}: schema and indexes are up to date`);
  });
}

export async function checksumCommand(flags: ConfigFlags): Promise<void> {
  const config = configFrom(flags);
  mustExist(config.database);
  await withStores([config.database], config, async ([store]) => printSums(await checksumStore(store)));
}

export async function migrateCommand(flags: MigrateFlags): Promise<void> {
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
export async function oneLineErrors(fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(redactCredentials(message).split('\n').map((l) => l.trim()).filter(Boolean).join(' '));
  }
}
