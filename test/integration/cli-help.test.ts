import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Command } from 'commander';
import { REQUIRED_OPTIONS } from '../../src/cli/action-options';
import { buildProgram } from '../../src/cli/program';
import { flagStyle } from '../../src/engine/options/option-names';

const run = promisify(execFile);
const CLI = path.resolve(__dirname, '../../src/bin/permafrost.js');

/** Every command of the program with its path of names (`['db', 'migrate']`), the program itself first. */
function commandsOf(command: Command, names: string[] = []): Array<{ names: string[]; command: Command }> {
  return [{ names, command }, ...command.commands.flatMap((c) => commandsOf(c, [...names, c.name()]))];
}

/** The help lines of one option: its flags and the description after them (wrapped lines included). */
function optionText(help: string, flags: string): string {
  const lines = help.split('\n');
  const at = lines.findIndex((l) => l.trimStart().startsWith(flags));
  assert.ok(at >= 0, `${flags} in\n${help}`);
  const rest = lines.slice(at + 1);
  const end = rest.findIndex((l) => !/^ {6,}\S/.test(l) || l.trimStart().startsWith('-'));
  return [lines[at], ...rest.slice(0, end < 0 ? rest.length : end)].join(' ').replace(/\s+/g, ' ');
}

describe('permafrost --help of every command (cli/program.ts)', function () {
  this.timeout(120_000);
  const commands = commandsOf(buildProgram());

  it('walks the real command tree (the walk itself sees nested commands and required options)', () => {
    const paths = commands.map((c) => c.names.join(' '));
    for (const known of ['serve', 'agent', 'doctor', 'action', 'db migrate', 'events emit', 'role grant', 'credential create', 'token issue']) assert.ok(paths.includes(known), known);
    assert.ok(commands.filter((c) => c.command.options.some((o) => o.mandatory)).length >= 5);
  });

  it('each help marks every required option "(required)" and no other', async () => {
    for (const { names, command } of commands) {
      const { stdout } = await run(process.execPath, [CLI, ...names, '--help'], { timeout: 20_000 });
      for (const option of command.options) {
        const text = optionText(stdout, option.flags);
        assert.equal(/\(required\)$/.test(text), option.mandatory, `permafrost ${names.join(' ')} --help: ${text}`);
      }
      if (names.join(' ') === 'action') {
        for (const name of [...REQUIRED_OPTIONS.every, ...REQUIRED_OPTIONS.backup, ...REQUIRED_OPTIONS.restore]) {
          assert.ok(stdout.replace(/\s+/g, ' ').includes(`${flagStyle(name)} (required)`), `${name} in\n${stdout}`);
        }
        assert.doesNotMatch(stdout, /\.\.\.$/m, 'the freezer-agent options are listed, not elided');
      }
    }
  });

  it('every command answers -V and --version with the package version, and nothing else', async () => {
    const { version } = (await import('../../src/version')).packageManifest();
    // Both spellings, taking turns over the commands (each command has both or neither).
    for (const [i, { names, command }] of commands.entries()) {
      assert.ok(command.options.some((o) => o.short === '-V' && o.long === '--version'), `permafrost ${names.join(' ')}`);
      const flag = i % 2 === 0 ? '-V' : '--version';
      const { stdout } = await run(process.execPath, [CLI, ...names, flag], { timeout: 20_000 });
      assert.equal(stdout.trim(), version, `permafrost ${[...names, flag].join(' ')}`);
    }
  });

  it('no option says its default twice (in its description and as commander\'s "(default: x)")', () => {
    for (const { names, command } of commands) {
      for (const option of command.options) {
        if (option.defaultValue === undefined) continue;
        assert.doesNotMatch(option.description, /default/i, `permafrost ${names.join(' ')} ${option.flags}`);
      }
    }
  });
});
