import fs from 'node:fs/promises';
import { Command } from 'commander';
import { runAdmin, runBackup, runRestore, EngineError, type EngineContext, type EngineOutcome } from '../engine';
import { createLogger } from '../log';
import { TerminalProgress } from './terminal-progress';

const RUNS: Record<string, (action: Record<string, unknown>, ctx: EngineContext) => Promise<EngineOutcome>> = {
  backup: runBackup,
  restore: runRestore,
  admin: runAdmin,
};

/**
 * `--path-to-backup /src --max-level 3 --overwrite` -> {path_to_backup: '/src', max_level: '3',
 * overwrite: 'true'}: the freezer-agent option names, values as strings like an INI file's.
 */
export function freezerOptionsOf(args: string[]): Record<string, string> {
  const options: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('--') || arg === '--') throw new EngineError(`unexpected argument ${JSON.stringify(arg)}: options look like --name value`);
    const eq = arg.indexOf('=');
    const name = (eq < 0 ? arg.slice(2) : arg.slice(2, eq)).replaceAll('-', '_');
    if (eq >= 0) options[name] = arg.slice(eq + 1);
    else if (i + 1 < args.length && !args[i + 1].startsWith('--')) options[name] = args[++i];
    else options[name] = 'true';
  }
  return options;
}

/** `permafrost action backup|restore|admin --option value ...`: one engine run in the foreground. */
export function addActionCommand(program: Command): void {
  program
    .command('action')
    .description('run one backup, restore or admin action now, with freezer-agent option names (e.g. --path-to-backup /srv --container /backups --backup-name srv)')
    .argument('<action>', 'backup | restore | admin')
    .argument('[options...]', 'freezer-agent options: --storage local|ssh, --container, --backup-name, --compression, --encrypt-pass-file, ...')
    .option('--metadata-out <file>', "write a backup's result document (spec C.10) to this file, '-' for stdout")
    .option('--log-level <level>', 'fatal|error|warn|info|debug (default warn, on stderr)', 'warn')
    .allowUnknownOption()
    .helpOption('-h, --help')
    .action(async (action: string, rest: string[], flags: { metadataOut?: string; logLevel: string }) => {
      const run = RUNS[action];
      if (!run) fail(`unknown action ${JSON.stringify(action)} (backup, restore or admin)`);
      const log = createLogger(flags.logLevel, { name: 'permafrost-action', stderr: true });
      const bar = new TerminalProgress();
      const abort = new AbortController();
      process.once('SIGINT', () => abort.abort());
      process.once('SIGTERM', () => abort.abort());
      try {
        const options = { ...freezerOptionsOf(rest), action };
        const outcome = await run(options, { signal: abort.signal, log, progress: (s) => bar.update('', s) });
        bar.stop();
        if (outcome.metadata && flags.metadataOut) await writeMetadata(flags.metadataOut, outcome.metadata);
        console.error(outcome.message);
      } catch (err) {
        bar.stop();
        if (!(err instanceof EngineError)) log.error({ err }, 'unexpected failure');
        fail(abort.signal.aborted ? `${action} aborted` : (err as Error).message);
      }
    });
}

async function writeMetadata(target: string, metadata: Record<string, unknown>): Promise<void> {
  const text = JSON.stringify(metadata);
  if (target === '-') process.stdout.write(`${text}\n`);
  else await fs.writeFile(target, `${text}\n`);
}

function fail(message: string): never {
  console.error(`permafrost action: ${message}`);
  process.exit(1);
}
