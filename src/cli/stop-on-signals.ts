import type { Logger } from 'pino';

/** SIGTERM/SIGINT run `stop` once, then exit 0 (1 if stopping failed). */
export function stopOnSignals(log: Logger, stop: () => Promise<void>, details: Record<string, unknown> = {}): void {
  const shutdown = (signal: string) => {
    log.info({ signal, ...details }, 'stopping');
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}
