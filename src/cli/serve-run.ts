import cluster from 'node:cluster';
import type { Logger } from 'pino';
import { setupAuth } from '../auth/setup';
import { ConfigError, loadConfig, type Config, type ConfigFlags } from '../config/config';
import { createLogger } from '../log';
import { ApiServer } from '../server';
import { openStore } from '../store/open-store';
import { createValidator } from '../validation';
import { superviseWorkers } from '../workers';
import { stopOnSignals } from './stop-on-signals';

/** `permafrost serve` (bin/permafrost.ts): the API server, or its worker processes. */
export async function serve(flags: ConfigFlags): Promise<void> {
  const config = configOrExit(flags);
  const log = createLogger(config.log_level);
  if (config.workers > 1 && cluster.isPrimary) {
    // Create or upgrade the schema, generate keys and bootstrap identities once, before
    // several processes open the file.
    await prepare(config, log).catch((err: unknown) => exitCannotStart(log, err));
    superviseWorkers(config.workers, log);
    return;
  }
  const server = new ApiServer(config, log);
  await server.start().catch((err: unknown) => exitCannotStart(log, err));
  stopOnSignals(log, () => server.stop());
}

function exitCannotStart(log: Logger, err: unknown): never {
  log.fatal({ err }, 'cannot start');
  console.error(`permafrost: cannot start: ${(err as Error).message}`);
  process.exit(1);
}

async function prepare(config: Config, log: Logger): Promise<void> {
  const store = openStore(config);
  await store.start();
  try {
    (await setupAuth(config, store, createValidator(), log)).stop();
  } finally {
    await store.stop();
  }
}

function configOrExit(flags: ConfigFlags) {
  try {
    return loadConfig(flags);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`permafrost: ${err.message}`);
    process.exit(2);
  }
}
