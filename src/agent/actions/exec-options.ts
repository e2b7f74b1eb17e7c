import { splitPipeline } from './split-pipeline';

/** What an exec action will run, read from its `freezer_action`. */
export interface ExecOptions {
  command: string;
  /** One argv per pipeline stage. */
  stages: string[][];
  shell: boolean;
  /** null: no time limit. */
  timeoutS: number | null;
}

/**
 * Reads `command`, `shell` and `timeout` from a freezer_action. Returns a message for the job log
 * when they are unusable. Values may arrive as the stock INI strings (`"True"`, `"30"`) as well as
 * JSON booleans and numbers.
 *
 * `shell` is a Permafrost extension: when true the whole command goes to `/bin/sh -c`, so it may
 * use quoting, redirections, `&&` and variables. Without it the command is split like the stock
 * agent's (see splitPipeline). `timeout` is another: seconds before the command is killed.
 */
export function readExecOptions(freezerAction: Record<string, unknown>, defaultTimeoutS: number | null): ExecOptions | string {
  const command = freezerAction.command;
  if (typeof command !== 'string' || command.trim() === '') {
    return 'the exec action needs a command (freezer_action.command, a non-empty string)';
  }
  const timeoutS = readTimeout(freezerAction.timeout, defaultTimeoutS);
  if (typeof timeoutS === 'string') return timeoutS;
  const shell = isTrue(freezerAction.shell);
  const stages = shell ? [['/bin/sh', '-c', command]] : splitPipeline(command);
  if (stages.some((argv) => argv.length === 0)) return `the exec command has an empty pipeline stage: ${command}`;
  return { command, stages, shell, timeoutS };
}

/** true, "true" and "True" as the stock agent reads its INI values (B.8); anything else is false. */
function isTrue(value: unknown): boolean {
  return value === true || value === 'true' || value === 'True';
}

function readTimeout(value: unknown, defaultTimeoutS: number | null): number | null | string {
  if (value === undefined || value === null || value === '') return defaultTimeoutS;
  const seconds = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : NaN;
  if (!Number.isFinite(seconds) || seconds <= 0) {
    return `the exec timeout must be a positive number of seconds, not ${JSON.stringify(value)}`;
  }
  return seconds;
}
