import { Command } from 'commander';
import type { AgentFlags } from '../config/agent-config';
import { addAgentOptions, agentFlagsOf } from './agent-options';

/**
 * `permafrost agent`: the scheduler that runs on each protected host. The agent itself is in
 * agent-run.ts, loaded only when this command runs.
 */
export function addAgentCommand(program: Command): void {
  addAgentOptions(
    program
      .command('agent')
      .description('run the scheduler agent: register as a client, poll its jobs and run them (stock freezer-scheduler protocol)'),
  ).action(async (raw: AgentFlags & { api?: boolean }) => {
    await (await import('./agent-run')).runAgent(agentFlagsOf(raw));
  });
}
