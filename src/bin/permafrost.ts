#!/usr/bin/env -S node --max-semi-space-size=32
// --max-semi-space-size: a larger young generation makes scavenges rarer, which keeps the API's p99
// latency low from the first second of load (the default grows it only slowly).
// Each command loads its own modules when it runs (serve-run, agent-run, db-run...): the API's
// and the store's modules would otherwise slow down the start of every command.
import { Command } from 'commander';
import { addActionCommand } from '../cli/action-command';
import { addAgentCommand } from '../cli/agent-command';
import { addDbCommands } from '../cli/db-commands';
import { addDoctorCommand } from '../cli/doctor-command';
import { addEventsCommand } from '../cli/events-command';
import { addIdentityCommands } from '../cli/identity-commands';
import { addVersionEverywhere } from '../cli/version-option';
import type { ConfigFlags } from '../config/config';

const program = new Command()
  .name('permafrost')
  .description('Permafrost: backup orchestration service, wire-compatible with OpenStack Freezer')
  .showHelpAfterError();

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
    await (await import('../cli/serve-run')).serve(flags);
  });

addIdentityCommands(program);
addAgentCommand(program);
addDoctorCommand(program);
addActionCommand(program);
addDbCommands(program);
addEventsCommand(program);
addVersionEverywhere(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(`permafrost: ${(err as Error).message}`);
  // A configuration error carries status 2 (ConfigError); other failures are 1.
  const status = (err as { exitStatus?: unknown }).exitStatus;
  process.exit(typeof status === 'number' ? status : 1);
});
