import fs from 'node:fs';
import path from 'node:path';
import { HttpFreezerApi } from '../agent/freezer-api';
import { Agent } from '../agent/agent';
import { createActionRunners } from '../agent/actions';
import { credentialsFor } from '../agent/credentials';
import { NoApi } from '../agent/no-api';
import { StartError } from '../agent/start-error';
import { loadAgentConfig, type AgentConfig, type AgentFlags } from '../config/agent-config';
import { ConfigError } from '../config/config';
import type { ProgressSnapshot } from '../engine';
import { createLogger } from '../log';
import { stopOnSignals } from './stop-on-signals';
import { TerminalProgress } from './terminal-progress';

/** What the README promises for every configuration problem: one line, status 2. */
const CONFIG_EXIT = 2;

/** `permafrost agent` (agent-command.ts): starts the agent and stops it on SIGTERM/SIGINT. */
export async function runAgent(flags: AgentFlags): Promise<void> {
  const config = agentConfigOrExit(flags);
  if (config.log_file) privateLogFile(config.log_file);
  const log = createLogger(config.log_level, { name: 'permafrost-agent', file: config.log_file });
  const api = config.no_api ? new NoApi(log) : new HttpFreezerApi(config, credentialsFor(config, log), log);
  // In a terminal, each backup or restore in flight gets a progress bar on stderr.
  const bars = new TerminalProgress();
  const onProgress = bars.enabled ? (jobId: string, s: ProgressSnapshot) => bars.update(`job ${jobId.slice(0, 8)} `, s) : undefined;
  const agent = new Agent(config, api, createActionRunners({ defaultTimeoutS: config.exec_timeout_s }), log, Date.now, onProgress);
  await agent.start().catch(exitOnStartError);
  agent.done.catch(exitOnStartError);
  // Running actions get drain_timeout_s to finish, then are aborted and reported.
  stopOnSignals(log, () => agent.stop(), { drainS: config.drain_timeout_s });
}

function agentConfigOrExit(flags: AgentFlags): AgentConfig {
  try {
    return loadAgentConfig(flags);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`permafrost agent: ${err.message}`);
    process.exit(CONFIG_EXIT);
  }
}

function exitOnStartError(err: unknown): never {
  if (!(err instanceof StartError)) throw err;
  console.error(`permafrost agent: ${err.message}`);
  process.exit(CONFIG_EXIT);
}

/**
 * The log file is created 0600 (and an existing one the agent owns is narrowed to 0600): job
 * output and errors land there. pino opens it afterwards in append mode.
 */
function privateLogFile(file: string): void {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    fs.closeSync(fs.openSync(file, 'a', 0o600));
  } catch (err) {
    console.error(`permafrost agent: log_file ${file}: ${(err as Error).message}; choose another with --log-file`);
    process.exit(CONFIG_EXIT);
  }
  const mode = fs.statSync(file).mode & 0o777;
  if ((mode & 0o077) === 0) return;
  try {
    fs.chmodSync(file, 0o600);
  } catch (err) {
    // Someone else's file the agent may append to: their choice of mode, said once.
    console.error(`permafrost agent: warning: log_file ${file} is mode ${mode.toString(8)} and cannot be made 0600 (${(err as NodeJS.ErrnoException).code})`);
  }
}
