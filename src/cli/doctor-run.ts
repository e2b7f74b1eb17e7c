import { ActionPolicy } from '../agent/action-policy';
import type { JobDoc } from '../agent/freezer-api';
import { loadAgentConfig, type AgentConfig, type AgentFlags } from '../config/agent-config';
import { ConfigError } from '../config/config';
import { apiChecks } from '../doctor/api-checks';
import { exitCodeOf, fail, formatCheck, skip, summaryLine, type Check } from '../doctor/check';
import { checkAllowedPaths, checkCompressors, checkExecPrograms, checkFiles, checkJobsDir, checkNode, checkTar } from '../doctor/host-checks';
import { jobChecks } from '../doctor/job-checks';
import { jobFilesCheck } from '../doctor/job-files-check';
import { jobNeeds } from '../doctor/job-needs';
import { checkSshHosts } from '../doctor/ssh-checks';
import { createLogger } from '../log';

/** A configuration the agent would refuse to start with: the same status as `permafrost agent`. */
const CONFIG_EXIT = 2;

/**
 * `permafrost doctor` (doctor-command.ts): checks that this host has what the agent needs for
 * the jobs it is configured for, one line per check, then a summary. Exit 0 when nothing
 * failed, 1 when something is missing, 2 when the configuration itself is invalid. It creates
 * nothing, writes nothing to the API and prints no secret.
 */
export async function runDoctor(flags: AgentFlags): Promise<void> {
  let config: AgentConfig;
  try {
    config = loadAgentConfig(flags);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    // What needs no configuration still helps: a newcomer sees tar and the compressors too.
    const checks = [checkNode(), checkTar(null), ...checkCompressors(null), ...err.problems.map((p) => fail('config', p))];
    report(checks, 'the agent configuration is invalid: fix the config lines above');
    process.exit(CONFIG_EXIT);
  }
  const checks = await checkHost(config);
  report(checks);
  process.exit(exitCodeOf(checks));
}

async function checkHost(config: AgentConfig): Promise<Check[]> {
  const checks: Check[] = [checkNode()];
  let jobs: JobDoc[] | null;
  const place: Check[] = [];
  if (config.no_api) {
    const read = await jobFilesCheck(config.jobs_dir);
    place.push(...read.checks, skip('api', '--no-api: the agent uses no API'));
    jobs = read.jobs;
  } else {
    place.push(checkJobsDir(config.jobs_dir));
    const api = await apiChecks(config, createLogger('silent'));
    place.push(...api.checks);
    jobs = api.jobs;
  }
  const needs = jobs === null ? null : jobNeeds(jobs, { disableExec: config.disable_exec });
  checks.push(checkTar(needs), ...place, ...checkAllowedPaths(config.allowed_paths));
  if (jobs !== null && needs !== null) checks.push(...(await jobChecks(jobs, needs, new ActionPolicy({ allowedPaths: config.allowed_paths }))));
  checks.push(...checkCompressors(needs), ...checkExecPrograms(needs), ...checkFiles(needs), ...(await checkSshHosts(needs)));
  return checks;
}

function report(checks: readonly Check[], verdict?: string): void {
  for (const check of checks) console.log(formatCheck(check));
  console.log(summaryLine(checks, verdict));
}
