import { Command } from 'commander';
import type { ConfigFlags } from '../config/config';
import type { MigrateFlags } from './db-run';

/**
 * `permafrost db sync|migrate|checksum`: database maintenance from a shell (servers stopped). The
 * work is in db-run.ts, loaded only when a db command runs, so other commands start faster.
 */
export function addDbCommands(program: Command): void {
  const db = program
    .command('db')
    .description('database maintenance: schema upgrades, copies between engines, content checksums')
    .showHelpAfterError();
  withConfigOptions(db.command('sync'))
    .description('create or upgrade the schema and indexes of the configured database')
    .action(async (flags: ConfigFlags) => {
      const run = await import('./db-run');
      await run.oneLineErrors(() => run.sync(flags));
    });
  db.command('migrate')
    .description('copy a whole deployment into a new, empty database (e.g. sqlite to mongodb) and verify the copy')
    .requiredOption('--from <url>', 'source database: sqlite:/path/file.db or mongodb://...')
    .requiredOption('--to <url>', 'target database, which must be empty: sqlite:/path/file.db or mongodb://...')
    .option('-c, --config <file>', 'YAML config file for engine settings (env PERMAFROST_CONFIG)')
    .showHelpAfterError()
    .action(async (flags: MigrateFlags) => {
      const run = await import('./db-run');
      await run.oneLineErrors(() => run.migrateCommand(flags));
    });
  withConfigOptions(db.command('checksum'))
    .description('print the document count and content checksum of every collection and registry (compare deployments)')
    .action(async (flags: ConfigFlags) => {
      const run = await import('./db-run');
      await run.oneLineErrors(() => run.checksumCommand(flags));
    });
}

function withConfigOptions(c: Command): Command {
  return c
    .option('-c, --config <file>', 'YAML config file (env PERMAFROST_CONFIG)')
    .option('--data-dir <dir>', 'data directory (env PERMAFROST_DATA_DIR, default ./data)')
    .option('--database <url>', 'database URL (env PERMAFROST_DATABASE, default sqlite:<data-dir>/permafrost.db)')
    .showHelpAfterError();
}
