import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { startedPart } from '../started-part';
import { StoreUnavailableError } from '../../errors';
import {
  COLLECTIONS,
  MissingDatabaseError,
  REGISTRIES,
  type CollectionName,
  type Registry,
  type RegistryName,
  type Repository,
  type StartOptions,
  type Store,
} from '../types';
import { createDatabaseFile, tightenDatabaseFiles } from './private-files';
import { GroupCommit, READ_BUSY_TIMEOUT_MS } from './group-commit';
import { collectionDdl, registryDdl, SCHEMA_VERSION } from './schema';
import { SqliteRegistry } from './sqlite-registry';
import { SqliteRepository } from './sqlite-repository';
import { SqliteRuns } from './sqlite-runs';
import { RUNS_DDL } from './runs-sql';
import type { RunsRepository } from '../runs/runs-repository';

export interface SqliteOptions {
  /** Path of the database file, or ':memory:'. */
  file: string;
  /**
   * NORMAL (default) with WAL keeps every committed transaction across a crash of the process
   * (kill -9): commits are in the WAL file in the OS page cache. FULL also survives power loss,
   * at the cost of an fsync per write.
   */
  synchronous: 'NORMAL' | 'FULL';
  cacheMb: number;
}

/** The embedded default store: one SQLite file in WAL mode, schema created on first start. */
export class SqliteStore implements Store {
  readonly engine = 'sqlite';
  private db: Database | null = null;
  private writer: GroupCommit | null = null;
  private checkpointer: Worker | null = null;
  private readonly repos = new Map<CollectionName, Repository>();
  private readonly registries = new Map<RegistryName, Registry>();
  private runsRepo: RunsRepository | null = null;

  constructor(private readonly opts: SqliteOptions) {}

  async start(opts: StartOptions = {}): Promise<void> {
    const create = opts.create ?? true;
    const file = this.opts.file;
    if (file !== ':memory:') {
      if (create) createDatabaseFile(file);
      else if (!fs.existsSync(file)) throw new MissingDatabaseError(file);
      tightenDatabaseFiles(file);
    }
    const db = new BetterSqlite3(file, { fileMustExist: !create });
    // Checked before any pragma: switching to WAL would already write to a file that is not ours.
    try {
      checkVersion(schemaVersion(db), file, create);
    } catch (err) {
      db.close();
      throw err;
    }
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${this.opts.synchronous}`);
    db.pragma(`busy_timeout = ${READ_BUSY_TIMEOUT_MS}`);
    db.pragma(`cache_size = -${this.opts.cacheMb * 1024}`);
    db.pragma('temp_store = MEMORY');
    // Checkpoints run in a worker thread (checkpoint-worker.ts); the automatic one stays as a
    // safety net only, should the worker ever stop (every 50,000 pages, about 200 MB of WAL).
    if (file !== ':memory:') db.pragma('wal_autocheckpoint = 50000');
    if (create) createSchema(db);
    this.db = db;
    const writer = new GroupCommit(db);
    this.writer = writer;
    for (const c of COLLECTIONS) this.repos.set(c, new SqliteRepository(db, c, writer));
    for (const r of REGISTRIES) this.registries.set(r, new SqliteRegistry(db, r, writer));
    this.runsRepo = new SqliteRuns(db, writer);
    if (this.opts.file !== ':memory:') {
      this.checkpointer = new Worker(path.join(__dirname, 'checkpoint-worker.js'), {
        workerData: { file: this.opts.file, intervalMs: 200 },
      });
      this.checkpointer.unref();
    }
  }

  async stop(): Promise<void> {
    if (this.checkpointer) {
      const exited = new Promise((resolve) => this.checkpointer?.once('exit', resolve));
      // Unref'd while running; ref'd now so that the process waits for a clean stop.
      this.checkpointer.ref();
      this.checkpointer.postMessage('stop');
      await exited;
      this.checkpointer = null;
    }
    await this.writer?.drain();
    this.writer = null;
    this.repos.clear();
    this.registries.clear();
    this.runsRepo = null;
    this.db?.close();
    this.db = null;
  }

  async ping(): Promise<void> {
    try {
      this.open().prepare('SELECT 1').get();
    } catch {
      throw new StoreUnavailableError('the database is not available');
    }
  }

  repo(name: CollectionName): Repository {
    return startedPart(this.repos, name);
  }

  registry(name: RegistryName): Registry {
    return startedPart(this.registries, name);
  }

  runs(): RunsRepository {
    if (!this.runsRepo) throw new StoreUnavailableError('the store is not started');
    return this.runsRepo;
  }

  private open(): Database {
    if (!this.db) throw new StoreUnavailableError('the store is not started');
    return this.db;
  }
}

/** The schema version recorded in the file, or undefined for a database Permafrost never set up. */
function schemaVersion(db: Database): number | undefined {
  const hasMeta = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get();
  if (!hasMeta) return undefined;
  const value = db.prepare("SELECT value FROM meta WHERE name = 'schema_version'").pluck().get() as string | undefined;
  return value === undefined ? undefined : Number(value);
}

function checkVersion(version: number | undefined, file: string, create: boolean): void {
  if (version !== undefined && version > SCHEMA_VERSION) {
    throw new Error(`database schema version ${version} is newer than this Permafrost (${SCHEMA_VERSION})`);
  }
  if (create) return;
  if (version === undefined) throw new MissingDatabaseError(file, `${file} is not a Permafrost database`);
  if (version < SCHEMA_VERSION) {
    throw new MissingDatabaseError(file, `the database ${file} has schema version ${version}, older than this Permafrost's (${SCHEMA_VERSION}): upgrade it with \`permafrost db sync\``);
  }
}

/** Creates or upgrades the tables, in one transaction. */
function createSchema(db: Database): void {
  db.transaction(() => {
    db.exec('CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)');
    for (const c of COLLECTIONS) db.exec(collectionDdl(c));
    db.exec(registryDdl());
    db.exec(RUNS_DDL);
    db.prepare("INSERT OR REPLACE INTO meta (name, value) VALUES ('schema_version', ?)").run(String(SCHEMA_VERSION));
  }).immediate();
}
