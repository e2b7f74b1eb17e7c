import os from 'node:os';
import type { AgentConfig } from '../config/agent-config';

/** The client id the agent registers and polls as: the configured one, else `<project>_<hostname>` as the stock scheduler. */
export function clientIdOf(config: Pick<AgentConfig, 'client_id'>, project: string | null): string {
  return config.client_id ?? `${project ?? 'noproject'}_${os.hostname()}`;
}
