import { Command, Help, type Option } from 'commander';
import { addActionCommand } from './action-command';
import { addAgentCommand } from './agent-command';
import { addDbCommands } from './db-commands';
import { addEventsCommand } from './events-command';
import { addIdentityCommands } from './identity-commands';
import { addServeCommand } from './serve-command';

/**
 * Help for every command: an option the command cannot run without says so. Commands made with
 * `.command()` inherit this from the program, so a command added later gets it too.
 */
const HELP: Partial<Help> = {
  optionDescription(this: Help, option: Option): string {
    const text = Help.prototype.optionDescription.call(this, option);
    return option.mandatory ? `${text} (required)` : text;
  },
};

/**
 * The whole `permafrost` command line, built without running anything (each command loads its
 * own modules when it runs). New commands are added here: test/unit/cli/program-help walks every
 * command of this program.
 */
export function buildProgram(): Command {
  const program = new Command()
    .name('permafrost')
    .description('Permafrost: backup orchestration service, wire-compatible with OpenStack Freezer')
    .configureHelp(HELP)
    .showHelpAfterError();
  addServeCommand(program);
  addIdentityCommands(program);
  addAgentCommand(program);
  addActionCommand(program);
  addDbCommands(program);
  addEventsCommand(program);
  return program;
}
