import type { Config } from '../config/config';
import { SqliteStore } from './sqlite/sqlite-store';
import type { Store } from './types';
import { withClientLimits } from './client-limit';

/** Picks the storage engine from the database URL (`sqlite:/path/file.db`). */
export function openStore(config: Pick<Config, 'database' | 'sqlite'>): Store {
  const url = config.database;
  if (url.startsWith('sqlite:')) {
    return withClientLimits(new SqliteStore({
      file: url.slice('sqlite:'.length),
      synchronous: config.sqlite.synchronous,
      cacheMb: config.sqlite.cache_mb,
    }));
  }
  throw new Error(`unsupported database URL '${url}': only sqlite: is available in this version`);
}
