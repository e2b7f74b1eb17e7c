import { Command } from 'commander';
import type { ConfigFlags } from '../config/config';

/** `permafrost serve`: the API server. The server itself is in serve-run.ts, loaded only when this command runs. */
export function addServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the API server (v1 and v2) on the configured database')
    .option('-c, --config <file>', 'YAML config file (env PERMAFROST_CONFIG); see etc/permafrost.yaml')
    .option('--bind <host:port>', 'listen address (env PERMAFROST_BIND, default 127.0.0.1:9090)')
    .option('--database <url>', 'sqlite:/path/file.db (env PERMAFROST_DATABASE, default <data-dir>/permafrost.db)')
    .option('--data-dir <dir>', 'data directory (env PERMAFROST_DATA_DIR, default ./data)')
    .option('--auth <mode>', 'jwt (default: tokens from /v3 or `permafrost token issue`), keystone, or noauth for development (env PERMAFROST_AUTH)')
    .option('--body-limit <size>', 'largest request body, e.g. 25mb (env PERMAFROST_BODY_LIMIT)')
    .option('--workers <n>', "API processes sharing the port, or 'auto' for one per core (env PERMAFROST_WORKERS, default 1)")
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (env PERMAFROST_LOG_LEVEL)')
    .option('--noauth-user <id>', 'noauth: user id for requests without X-User-Id (env PERMAFROST_NOAUTH_USER)')
    .option('--noauth-project <id>', 'noauth: default project (env PERMAFROST_NOAUTH_PROJECT)')
    .option('--noauth-roles <list>', 'noauth: comma-separated default roles (env PERMAFROST_NOAUTH_ROLES)')
    .option('--metrics-bind <host:port>', 'also serve GET /metrics here, without auth (env PERMAFROST_METRICS_BIND; default: none)')
    .action(async (flags: ConfigFlags) => {
      await (await import('./serve-run')).serve(flags);
    });
}
