import type { Command } from 'commander';
import type { AgentFlags } from '../config/agent-config';

/**
 * The options of `permafrost agent`, shared by `permafrost doctor`: the doctor checks the host
 * for exactly the configuration the agent would run with, so both read the same flags.
 */
export function addAgentOptions(command: Command): Command {
  return command
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
    .option('--allowed-paths <dirs>', "colon-separated directories jobs may back up, restore into and use as local containers (env PERMAFROST_AGENT_ALLOWED_PATHS; default: no limit)")
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent')
    .option('--log-file <file>', 'append logs to this file instead of stdout')
    // A mistyped flag is a misconfiguration like any other: status 2 (commander names it and suggests).
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));
}

/** The parsed options as loadAgentConfig takes them: commander turns --no-api into api=false. */
export function agentFlagsOf(raw: AgentFlags & { api?: boolean }): AgentFlags {
  return { ...raw, noApi: raw.api === false ? true : undefined };
}
