import mongoose, { type Connection } from 'mongoose';
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
import { guard } from './guard';
import { modelsOf, type Models } from './models';
import { MongoRegistry } from './mongo-registry';
import { MongoRepository } from './mongo-repository';
import { MongoRuns } from './mongo-runs';
import type { RunsRepository } from '../runs/runs-repository';
import { safeUrl, scrubCredentials } from './safe-url';

export interface MongoOptions {
  /** A MongoDB connection string; the database is the one it names (else mongoose's default). */
  url: string;
}

/**
 * MongoDB through mongoose, for deployments with several API servers. Commands are not buffered
 * while disconnected and server selection gives up after 5 s, so a request against a database
 * that is down fails with StoreUnavailableError (503) instead of hanging.
 */
export class MongoStore implements Store {
  readonly engine = 'mongodb';
  private conn: Connection | null = null;
  private readonly repos = new Map<CollectionName, Repository>();
  private readonly registries = new Map<RegistryName, Registry>();
  private runsRepo: RunsRepository | null = null;

  constructor(private readonly opts: MongoOptions) {}

  async start(opts: StartOptions = {}): Promise<void> {
    let conn: Connection | undefined;
    try {
      conn = mongoose.createConnection(this.opts.url, { bufferCommands: false, serverSelectionTimeoutMS: 5000 });
      await conn.asPromise();
      const models = modelsOf(conn);
      if (opts.create ?? true) await createIndexes(models);
      else if (!(await isSetUp(conn))) throw new MissingDatabaseError(safeUrl(this.opts.url));
      this.open(conn, models);
    } catch (err) {
      await conn?.close(true).catch(() => undefined);
      if (err instanceof MissingDatabaseError) throw err;
      const reason = scrubCredentials(err instanceof Error ? err.message : String(err));
      throw new StoreUnavailableError(`cannot use MongoDB at ${safeUrl(this.opts.url)}: ${reason}`);
    }
  }

  async stop(): Promise<void> {
    this.repos.clear();
    this.registries.clear();
    this.runsRepo = null;
    const conn = this.conn;
    this.conn = null;
    await conn?.close();
  }

  async ping(): Promise<void> {
    const db = this.conn?.db;
    if (!db) throw new StoreUnavailableError('the store is not started');
    await guard(() => db.command({ ping: 1 }));
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

  private open(conn: Connection, models: Models): void {
    this.conn = conn;
    for (const [c, model] of models.entries) this.repos.set(c, new MongoRepository(model, models.counters, c));
    for (const r of REGISTRIES) this.registries.set(r, new MongoRegistry(models.registry, models.counters, r));
    this.runsRepo = new MongoRuns(models.runs);
  }
}

/**
 * Creates the collections' indexes (indexes.ts) if missing. createIndexes, not syncIndexes: it
 * never drops an index, so an older server starting against a newer schema cannot remove one.
 */
async function createIndexes(models: Models): Promise<void> {
  for (const c of COLLECTIONS) await models.entries.get(c)?.createIndexes();
  await models.registry.createIndexes();
  await models.runs.createIndexes();
}

/** start() creates the collections with their indexes: a database without them was never set up. */
async function isSetUp(conn: Connection): Promise<boolean> {
  const found = await conn.db?.listCollections({ name: 'registry' }, { nameOnly: true }).toArray();
  return (found?.length ?? 0) > 0;
}
