import cluster from 'node:cluster';
import type { Logger } from 'pino';
import { setupAuth } from '../auth/setup';
import { ConfigError, loadConfig, type Config, type ConfigFlags } from '../config/config';
import { createLogger } from '../log';
import { ApiServer, preparePrivateDataDir } from '../server';
import { openStore } from '../store/open-store';
import { redactCredentials } from '../store/redact-credentials';
import { createValidator } from '../validation';
import { permafrostVersion } from '../version';
import { superviseWorkers } from '../workers';
import { describeStartError } from './start-error';
import { stopOnSignals } from './stop-on-signals';

/** `permafrost serve` (bin/permafrost.ts): the API server, or its worker processes. */
export async function serve(flags: ConfigFlags): Promise<void> {
  const config = configOrExit(flags);
  // A worker's lines name its process, so one can tell which worker answered (access log) or failed.
  const log = cluster.isWorker ? createLogger(config.log_level).child({ worker: process.pid }) : createLogger(config.log_level);
  // The first line says what runs on what, before anything else can fail and log (a worker
  // process is started by this primary, which has said it already).
  if (cluster.isPrimary) {
    log.info({ version: permafrostVersion(), database: redactCredentials(config.database), data_dir: config.data_dir, workers: config.workers }, 'permafrost starting');
  }
  if (config.workers > 1 && cluster.isPrimary) {
    // Create or upgrade the schema, generate keys and bootstrap identities once, before
    // several processes open the file.
    await prepare(config, log).catch((err: unknown) => exitCannotStart(log, config, err));
    superviseWorkers(config.workers, log);
    return;
  }
  const server = new ApiServer(config, log);
  await server.start().catch((err: unknown) => exitCannotStart(log, config, err));
  stopOnSignals(log, () => server.stop());
}

/** One line on stderr saying what failed, where, and what to do; the stack only at debug level. */
function exitCannotStart(log: Logger, config: Config, err: unknown): never {
  log.debug({ err }, 'start-up failure');
  console.error(`permafrost: cannot start: ${describeStartError(err, config)}`);
  process.exit(1);
}

async function prepare(config: Config, log: Logger): Promise<void> {
  preparePrivateDataDir(config.data_dir, log);
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
