import { HttpFreezerApi } from '../agent/freezer-api';
import { Agent } from '../agent/agent';
import { createActionRunners } from '../agent/actions';
import { credentialsFor } from '../agent/credentials';
import { NoApi } from '../agent/no-api';
import { loadAgentConfig, type AgentConfig, type AgentFlags } from '../config/agent-config';
import { ConfigError } from '../config/config';
import type { ProgressSnapshot } from '../engine';
import { createLogger } from '../log';
import { stopOnSignals } from './stop-on-signals';
import { TerminalProgress } from './terminal-progress';

/** `permafrost agent` (agent-command.ts): starts the agent and stops it on SIGTERM/SIGINT. */
export async function runAgent(flags: AgentFlags): Promise<void> {
  const config = agentConfigOrExit(flags);
  const log = createLogger(config.log_level, { name: 'permafrost-agent', file: config.log_file });
  const api = config.no_api ? new NoApi(log) : new HttpFreezerApi(config, credentialsFor(config, log), log);
  // In a terminal, each backup or restore in flight gets a progress bar on stderr.
  const bars = new TerminalProgress();
  const onProgress = bars.enabled ? (jobId: string, s: ProgressSnapshot) => bars.update(`job ${jobId.slice(0, 8)} `, s) : undefined;
  const agent = new Agent(config, api, createActionRunners({ defaultTimeoutS: config.exec_timeout_s }), log, Date.now, onProgress);
  await agent.start();
  // Running actions get drain_timeout_s to finish, then are aborted and reported.
  stopOnSignals(log, () => agent.stop(), { drainS: config.drain_timeout_s });
}

function agentConfigOrExit(flags: AgentFlags): AgentConfig {
  try {
    return loadAgentConfig(flags);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`permafrost agent: ${err.message}`);
    process.exit(2);
  }
}
