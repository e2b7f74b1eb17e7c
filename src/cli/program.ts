import { Command } from 'commander';
import { addActionCommand } from './action-command';
import { addAgentCommand } from './agent-command';
import { addDbCommands } from './db-commands';
import { addDoctorCommand } from './doctor-command';
import { addEventsCommand } from './events-command';
import { addIdentityCommands } from './identity-commands';
import { REQUIRED_MARKED_HELP } from './required-help';
import { addServeCommand } from './serve-command';
import { addVersionEverywhere } from './version-option';

/**
 * The whole `permafrost` command line, built without running anything (each command loads its
 * own modules when it runs). New commands are added here: test/integration/cli-help walks every
 * command of this program.
 */
export function buildProgram(): Command {
  const program = new Command()
    .name('permafrost')
    .description('Permafrost: backup orchestration service, wire-compatible with OpenStack Freezer')
    .configureHelp(REQUIRED_MARKED_HELP)
    .showHelpAfterError();
  addServeCommand(program);
  addIdentityCommands(program);
  addAgentCommand(program);
  addDoctorCommand(program);
  addActionCommand(program);
  addDbCommands(program);
  addEventsCommand(program);
  addVersionEverywhere(program);
  return program;
}
