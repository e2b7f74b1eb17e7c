#!/usr/bin/env node
// The host-side subset of `permafrost`: only the commands an agent host needs, so that
// scripts/bundle-agent.mjs can make one self-contained file of it (dist/permafrost-agent.js)
// without the API server, the stores, or any native module. Installed as `permafrost` on a host.
import { Command } from 'commander';
import { addActionCommand } from '../cli/action-command';
import { addAgentCommand } from '../cli/agent-command';
import { addDoctorCommand } from '../cli/doctor-command';
import { REQUIRED_MARKED_HELP } from '../cli/required-help';
import { addVersionEverywhere } from '../cli/version-option';

const program = new Command()
  .name('permafrost')
  .description('Permafrost agent: runs the backup, restore, admin and exec actions of this host (the API server is not part of this build)')
  .configureHelp(REQUIRED_MARKED_HELP)
  .showHelpAfterError();

addAgentCommand(program);
addActionCommand(program);
addDoctorCommand(program);
// A command belongs here only if it needs no server module: the bundle build refuses koa,
// better-sqlite3 and mongoose.
addVersionEverywhere(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(`permafrost: ${(err as Error).message}`);
  process.exit(1);
});
