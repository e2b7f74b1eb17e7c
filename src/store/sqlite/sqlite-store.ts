import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { startedPart } from '../started-part';
import { StoreUnavailableError } from '../../errors';
import {
  COLLECTIONS,
  REGISTRIES,
  type CollectionName,
  type Registry,
  type RegistryName,
  type Repository,
  type Store,
} from '../types';
import { GroupCommit, READ_BUSY_TIMEOUT_MS } from './group-commit';
import { collectionDdl, registryDdl, SCHEMA_VERSION } from './schema';
import { SqliteRegistry } from './sqlite-registry';
import { SqliteRepository } from './sqlite-repository';

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

  constructor(private readonly opts: SqliteOptions) {}

  async start(): Promise<void> {
    if (this.opts.file !== ':memory:') fs.mkdirSync(path.dirname(this.opts.file), { recursive: true });
    const db = new BetterSqlite3(this.opts.file);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${this.opts.synchronous}`);
    db.pragma(`busy_timeout = ${READ_BUSY_TIMEOUT_MS}`);
    db.pragma(`cache_size = -${this.opts.cacheMb * 1024}`);
    db.pragma('temp_store = MEMORY');
    // Checkpoints run in a worker thread (checkpoint-worker.ts); the automatic one stays as a
    // safety net only, should the worker ever stop (every 50,000 pages, about 200 MB of WAL).
    if (this.opts.file !== ':memory:') db.pragma('wal_autocheckpoint = 50000');
    db.exec('CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)');
    const version = db.prepare("SELECT value FROM meta WHERE name = 'schema_version'").pluck().get() as
      | string
      | undefined;
    if (version !== undefined && Number(version) > SCHEMA_VERSION) {
      db.close();
      throw new Error(`database schema version ${version} is newer than this Permafrost (${SCHEMA_VERSION})`);
    }
    db.transaction(() => {
      for (const c of COLLECTIONS) db.exec(collectionDdl(c));
      db.exec(registryDdl());
      db.prepare("INSERT OR REPLACE INTO meta (name, value) VALUES ('schema_version', ?)").run(String(SCHEMA_VERSION));
    }).immediate();
    this.db = db;
    const writer = new GroupCommit(db);
    this.writer = writer;
    for (const c of COLLECTIONS) this.repos.set(c, new SqliteRepository(db, c, writer));
    for (const r of REGISTRIES) this.registries.set(r, new SqliteRegistry(db, r, writer));
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

  private open(): Database {
    if (!this.db) throw new StoreUnavailableError('the store is not started');
    return this.db;
  }
}
