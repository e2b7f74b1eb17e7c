import { Command } from 'commander';
import type { AgentFlags } from '../config/agent-config';
import { addAgentOptions, agentFlagsOf } from './agent-options';

/**
 * `permafrost doctor`: tells an agent host what it lacks for the jobs it is configured for. It
 * takes the agent's options and configuration; the checks are in doctor-run.ts, loaded only
 * when this command runs.
 */
export function addDoctorCommand(program: Command): void {
  addAgentOptions(
    program
      .command('doctor')
      .description('check this host for what the agent needs for its jobs (Node.js, GNU tar, compressors, API and login, programs, key files); exit 0 only when nothing is missing'),
  ).action(async (raw: AgentFlags & { api?: boolean }) => {
    await (await import('./doctor-run')).runDoctor(agentFlagsOf(raw));
  });
}
