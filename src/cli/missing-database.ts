import { MissingDatabaseError } from '../store/types';

/**
 * Only `serve` and `db sync` create a database. Every other command opens an existing one, and
 * when it is not there (run from another folder, a mistyped --data-dir) says where it looked
 * and what to do, instead of answering success on a new empty database.
 */
export function explainMissingDatabase(err: unknown, dataDir: string): unknown {
  if (!(err instanceof MissingDatabaseError)) return err;
  return new Error(
    `${err.message} (data directory ${dataDir}). Check --data-dir or --database (PERMAFROST_DATA_DIR, ` +
      'PERMAFROST_DATABASE, or the config file), or run `permafrost db sync` (or start `permafrost serve`) there first to create it',
  );
}
