import { Command } from 'commander';
import { HttpFreezerApi } from '../agent/freezer-api';
import { Agent } from '../agent/agent';
import { createActionRunners } from '../agent/actions';
import { credentialsFor } from '../agent/credentials';
import { NoApi } from '../agent/no-api';
import { loadAgentConfig, type AgentConfig, type AgentFlags } from '../config/agent-config';
import { ConfigError } from '../config/config';
import { createLogger } from '../log';
import type { ProgressSnapshot } from '../engine';
import { stopOnSignals } from './stop-on-signals';
import { TerminalProgress } from './terminal-progress';

/** `permafrost agent`: the scheduler that runs on each protected host. */
export function addAgentCommand(program: Command): void {
  program
    .command('agent')
    .description('run the scheduler agent: register as a client, poll its jobs and run them (stock freezer-scheduler protocol)')
    .option('-c, --config <file>', 'YAML config file (env PERMAFROST_AGENT_CONFIG); see etc/permafrost-agent.yaml')
    .option('--api-url <url>', 'Freezer API base URL (env PERMAFROST_AGENT_API_URL or OS_BACKUP_URL)')
    .option('--api-version <v>', 'v2 (default) or v1 (env PERMAFROST_AGENT_API_VERSION)')
    .option('--project-id <id>', 'project of the v2 URLs (env OS_PROJECT_ID; default: the login token\'s project)')
    .option('--client-id <id>', 'this host\'s client id (default <project>_<hostname>)')
    .option('--auth-url <url>', 'Keystone v3 URL to log in at (env OS_AUTH_URL), with OS_USERNAME/OS_PASSWORD or OS_APPLICATION_CREDENTIAL_ID/_SECRET')
    .option('--username <name>', 'user to log in as (env OS_USERNAME; the password only from OS_PASSWORD or the config file)')
    .option('-i, --interval <seconds>', 'poll period (default 60)')
    .option('--page-size <n>', 'jobs per list request (default 100)')
    .option('-f, --jobs-dir <dir>', 'where job documents are cached, or read with --no-api')
    .option('--concurrent-jobs <n>', 'job runs at once (default 1)')
    .option('-n, --no-api', 'run the jobs of <jobs dir>/*.conf without any API')
    .option('--disable-exec', 'refuse jobs with an exec action (they end fail)')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent')
    .option('--log-file <file>', 'append logs to this file instead of stdout')
    .action(async (raw: AgentFlags & { api?: boolean }) => {
      // commander turns --no-api into api=false.
      const flags: AgentFlags = { ...raw, noApi: raw.api === false ? true : undefined };
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
    });
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
