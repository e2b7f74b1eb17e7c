import { Command } from 'commander';
import type { EmitFlags } from './events-run';

/**
 * `permafrost events emit`: stores an event as a producer would (for operators testing their
 * webhooks and dashboards, and for tests). It writes through the events service on the
 * configured database; running servers' streams and webhook deliveries pick it up from there.
 */
export function addEventsCommand(program: Command): void {
  const events = program.command('events').description('the events store: emit an event by hand').showHelpAfterError();
  events
    .command('emit')
    .description('store an event (and its webhook deliveries) in the configured database')
    .requiredOption('--type <type>', 'run.started, run.succeeded, run.failed, run.aborted, job.stale or client.silent')
    .requiredOption('--user <user_id>', 'the owner user (events are scoped as jobs are: project and user)')
    .option('--project <project_id>', 'the owner project (omit for a v1 event, without a project)')
    .option('--data <json>', 'the event data: a JSON object', '{}')
    .option('-c, --config <file>', 'YAML config file (env PERMAFROST_CONFIG)')
    .option('--data-dir <dir>', 'data directory (env PERMAFROST_DATA_DIR, default ./data)')
    .option('--database <url>', 'database URL (env PERMAFROST_DATABASE, default sqlite:<data-dir>/permafrost.db)')
    .showHelpAfterError()
    .action(async (flags: EmitFlags) => {
      await (await import('./events-run')).emitCommand(flags);
    });
}
