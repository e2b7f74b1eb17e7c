import fs from 'node:fs/promises';
import { Command, CommanderError } from 'commander';
import { runAdmin, runBackup, runRestore, EngineError, type EngineContext, type EngineOutcome } from '../engine';
import { closestName } from '../closest-name';
import { createLogger } from '../log';
import { CLI_ACTIONS, UsageError, actionOptionsHelp, checkActionOptions, freezerOptionsOf, type CliAction } from './action-options';
import { TerminalProgress } from './terminal-progress';

export { freezerOptionsOf } from './action-options';

const RUNS: Record<CliAction, (action: Record<string, unknown>, ctx: EngineContext) => Promise<EngineOutcome>> = {
  backup: runBackup,
  restore: runRestore,
  admin: runAdmin,
};

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Exit statuses: a run that failed, and a command line that is wrong (nothing was run). */
const RUN_FAILED = 1;
const USAGE = 2;

/**
 * `permafrost action backup|restore|admin --option value ...`: one engine run in the foreground.
 * The options are checked whole before anything runs: an unknown, misplaced or unsupported option
 * or a bad value ends with status 2 and one line naming it; a run that fails ends with status 1.
 */
export function addActionCommand(program: Command): void {
  program
    .command('action')
    .description('run one backup, restore or admin action now, with freezer-agent option names (e.g. --path-to-backup /srv --container /backups --backup-name srv)')
    .argument('<action>', 'backup | restore | admin')
    .argument('[options...]', actionOptionsHelp())
    .option('--metadata-out <file>', "write a backup's result document (spec C.10) to this file, '-' for stdout")
    .option('--log-level <level>', `${LOG_LEVELS.join('|')} (logs go to stderr)`, 'warn')
    .allowUnknownOption()
    .helpOption('-h, --help')
    .exitOverride(usageExit)
    .action(async (action: string, rest: string[], flags: { metadataOut?: string; logLevel: string }) => {
      const options = usageChecked(action, rest, flags.logLevel);
      await runAction(action as CliAction, options, flags);
    });
}

/** Commander's own complaints (a missing action, a flag without its value) are usage errors too. */
function usageExit(err: CommanderError): never {
  process.exit(err.exitCode === 0 ? 0 : USAGE);
}

function usageChecked(action: string, rest: string[], logLevel: string): Record<string, string> {
  try {
    if (!LOG_LEVELS.includes(logLevel)) throw new UsageError(`--log-level ${JSON.stringify(logLevel)}: one of ${LOG_LEVELS.join(', ')}`);
    if (!(CLI_ACTIONS as readonly string[]).includes(action)) {
      const near = closestName(action, CLI_ACTIONS);
      throw new UsageError(`unknown action ${JSON.stringify(action)}${near ? ` (did you mean ${near}?)` : ''}: backup, restore or admin comes first`);
    }
    const options = freezerOptionsOf(rest);
    checkActionOptions(action as CliAction, options);
    return options;
  } catch (err) {
    if (err instanceof UsageError) fail(err.message, USAGE);
    throw err;
  }
}

async function runAction(action: CliAction, options: Record<string, string>, flags: { metadataOut?: string; logLevel: string }): Promise<void> {
  const log = createLogger(flags.logLevel, { name: 'permafrost-action', stderr: true });
  const bar = new TerminalProgress();
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  process.once('SIGTERM', () => abort.abort());
  try {
    const outcome = await RUNS[action]({ ...options, action }, { surface: 'cli', signal: abort.signal, log, progress: (s) => bar.update('', s) });
    bar.stop();
    if (outcome.metadata && flags.metadataOut) await writeMetadata(flags.metadataOut, outcome.metadata);
    console.error(outcome.message);
  } catch (err) {
    bar.stop();
    if (!(err instanceof EngineError)) log.error({ err }, 'unexpected failure');
    fail(abort.signal.aborted ? `${action} aborted` : (err as Error).message, RUN_FAILED);
  }
}

async function writeMetadata(target: string, metadata: Record<string, unknown>): Promise<void> {
  const text = JSON.stringify(metadata);
  if (target === '-') process.stdout.write(`${text}\n`);
  else await fs.writeFile(target, `${text}\n`, { mode: 0o600 });
}

function fail(message: string, status: number): never {
  console.error(`permafrost action: ${message}`);
  process.exit(status);
}
