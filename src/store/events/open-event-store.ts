import type { Config } from '../../config/config';
import type { EventStore } from './event-store';
import type { MongoEventStore } from './mongo-event-store';
import { SqliteEventStore } from './sqlite-event-store';

/** The events store on the same database as the documents (config.database). */
export function openEventStore(config: Pick<Config, 'database' | 'sqlite'>): EventStore {
  const url = config.database;
  if (url.startsWith('sqlite:')) return new SqliteEventStore({ file: url.slice('sqlite:'.length), synchronous: config.sqlite.synchronous });
  if (/^mongodb(\+srv)?:\/\//.test(url)) {
    // Loaded on demand, as the document store does (mongoose is slow to load).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { MongoEventStore: Mongo } = require('./mongo-event-store') as { MongoEventStore: typeof MongoEventStore };
    return new Mongo({ url });
  }
  throw new Error(`unsupported database URL '${url}': use sqlite:/path/file.db or mongodb://host/db`);
}
