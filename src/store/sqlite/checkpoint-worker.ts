import { parentPort, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';

/**
 * Runs in a worker thread: copies the WAL back into the database file with PASSIVE checkpoints,
 * which never block the writer. Doing this here instead of SQLite's automatic checkpoint keeps
 * the multi-megabyte copy off the event loop, where it would stall every request in flight.
 */
const { file, intervalMs } = workerData as { file: string; intervalMs: number };
const db = new BetterSqlite3(file);
db.pragma('busy_timeout = 1000');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // A busy database is fine: the next tick tries again.
  }
}, intervalMs);

parentPort?.on('message', (msg) => {
  if (msg !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort?.close();
});
