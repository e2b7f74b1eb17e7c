import type { Config } from '../config/config';
import { withClientLimits } from './client-limit';
import type { MongoStore } from './mongo/mongo-store';
import { SqliteStore } from './sqlite/sqlite-store';
import type { Store } from './types';

/** Picks the storage engine from the database URL: `sqlite:/path/file.db` or `mongodb://...`. */
export function openStore(config: Pick<Config, 'database' | 'sqlite'>): Store {
  const url = config.database;
  if (url.startsWith('sqlite:')) {
    return withClientLimits(
      new SqliteStore({ file: url.slice('sqlite:'.length), synchronous: config.sqlite.synchronous, cacheMb: config.sqlite.cache_mb }),
    );
  }
  if (/^mongodb(\+srv)?:\/\//.test(url)) {
    // Loaded on demand: mongoose takes ~150 ms to load, which every CLI command and agent would pay.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { MongoStore: Mongo } = require('./mongo/mongo-store') as { MongoStore: typeof MongoStore };
    return withClientLimits(new Mongo({ url }));
  }
  throw new Error(`unsupported database URL '${url}': use sqlite:/path/file.db or mongodb://host/db`);
}
