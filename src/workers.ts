import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { serveClusterMetrics } from './metrics/cluster-metrics';
import { serveClusterFeed } from './services/changes/cluster-feed';

/**
 * Runs the API in `count` processes sharing one listening socket (node:cluster), so both cores
 * serve requests. The primary only supervises: a worker that dies unexpectedly is replaced
 * (at most once a second), one that fails before it listens stops the whole service, and
 * SIGTERM/SIGINT are passed on and waited for.
 */
export function superviseWorkers(count: number, log: Logger): void {
  let stopping = false;
  let stopCode = 0;
  let lastRestart = 0;
  // A scrape of /metrics reaches one worker, which asks here for every worker's figures.
  serveClusterMetrics();
  // A job written in one worker wakes the change waiters of the others.
  serveClusterFeed();
  const fork = (): Worker => cluster.fork();
  for (let i = 0; i < count; i++) fork();
  const listening = new Set<number>();
  cluster.on('listening', (worker) => listening.add(worker.id));
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(stopCode);
      return;
    }
    if (!listening.has(worker.id)) {
      // It never got to serve (bad port, unreadable database): restarting would loop forever.
      log.fatal({ pid: worker.process.pid, code }, 'an API worker failed to start; stopping');
      stopCode = 1;
      stop('SIGTERM');
      return;
    }
    log.error({ pid: worker.process.pid, code, signal }, 'API worker died; starting another');
    const wait = Math.max(0, lastRestart + 1000 - Date.now());
    lastRestart = Date.now() + wait;
    setTimeout(fork, wait);
  });
  const stop = (signal: NodeJS.Signals) => {
    stopping = true;
    log.info({ signal }, 'stopping API workers');
    const alive = Object.values(cluster.workers ?? {});
    if (alive.length === 0) process.exit(stopCode);
    for (const w of alive) w?.process.kill('SIGTERM');
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}
