import type { Command } from 'commander';
import { permafrostVersion } from '../version';

/**
 * `-V, --version` on the program and on every command below it, so `permafrost agent -V` answers
 * as `permafrost -V` does. Called once every command is added.
 */
export function addVersionEverywhere(command: Command, version: string = permafrostVersion()): void {
  command.version(version, '-V, --version', 'print the version and exit');
  for (const sub of command.commands) addVersionEverywhere(sub, version);
}
