import assert from 'node:assert/strict';
import { CLI_ACTIONS, REFUSED_WHEN_SET, REQUIRED_OPTIONS, actionOptionsHelp, checkActionOptions } from '../../../src/cli/action-options';
import { EngineError } from '../../../src/engine';
import { adminOptions, backupOptions, restoreOptions } from '../../../src/engine/options/fs-options';
import { KNOWN_OPTIONS, flagStyle } from '../../../src/engine/options/option-names';

const PARSERS = { backup: backupOptions, restore: restoreOptions, admin: adminOptions };
const VALUES: Record<string, string> = {
  container: '/b', backup_name: 'n', path_to_backup: '/src', restore_abs_path: '/r', ssh_host: 'h', ssh_username: 'u',
};

describe('permafrost action help: the freezer-agent options it takes (cli/action-options.ts)', () => {
  for (const action of CLI_ACTIONS) {
    for (const storage of ['local', 'ssh']) {
      it(`${action} with ${storage} storage: the engine runs with the required options alone, and refuses each one missing`, () => {
        const names = [...REQUIRED_OPTIONS.every, ...REQUIRED_OPTIONS[action], ...(storage === 'ssh' ? REQUIRED_OPTIONS.ssh : [])];
        const minimal = { action, storage, ...Object.fromEntries(names.map((n) => [n, VALUES[n]])) };
        assert.doesNotThrow(() => PARSERS[action](minimal));
        for (const name of names) {
          const { [name]: _dropped, ...without } = minimal as Record<string, unknown>;
          assert.throws(() => PARSERS[action](without), (err: unknown) => err instanceof EngineError && err.message.startsWith(`${name} is required`), name);
        }
      });
    }
  }

  it('the options left out as refused whenever set are refused by the engine', () => {
    for (const name of REFUSED_WHEN_SET) {
      const action = name === 'consistency_checksum' ? 'restore' : 'backup';
      const options = { action, storage: 'local', container: '/b', backup_name: 'n', path_to_backup: '/s', restore_abs_path: '/r', [name]: 'true' };
      assert.throws(() => PARSERS[action](options), /not supported/, name);
    }
  });

  it('lists real options only, each where the command line takes it, required ones marked, and no "..."', () => {
    const help = actionOptionsHelp();
    assert.doesNotMatch(help, /\.\.\./);
    const lines = help.split('\n').slice(1);
    const listed: string[] = [];
    for (const line of lines) {
      const [group, list] = line.split(': ');
      const actions = group === 'every action' ? CLI_ACTIONS : (group.split(' and ') as Array<(typeof CLI_ACTIONS)[number]>);
      for (const item of list.split(', ')) {
        const flag = item.replace(/ \(.*\)$/, '');
        const name = flag.slice(2).replaceAll('-', '_');
        assert.ok(KNOWN_OPTIONS.has(name), flag);
        listed.push(name);
        for (const action of actions) {
          const base = { container: '/b', backup_name: 'n', ...(action === 'backup' ? { path_to_backup: '/s' } : {}), ...(action === 'restore' ? { restore_abs_path: '/r' } : {}) };
          // Any value problem is fine here (a flag given 'x'); a name problem is not.
          try {
            checkActionOptions(action, { ...base, [name]: name in base ? (base as Record<string, string>)[name] : 'x' });
          } catch (err) {
            const message = (err as Error).message;
            assert.ok(!message.includes('unknown option') && !message.includes(`${flag} makes no sense`) && !message.includes(`${flag} does not belong`)
              && !message.includes(`${flag} is not supported`), `${flag} for ${action}: ${message}`);
          }
        }
      }
    }
    const marked = [...help.matchAll(/(--[\w-]+) \(required\)/g)].map((m) => m[1]).sort();
    assert.deepEqual(marked, [...REQUIRED_OPTIONS.every, ...REQUIRED_OPTIONS.backup, ...REQUIRED_OPTIONS.restore].map(flagStyle).sort(), 'the required ones, and only those');
    for (const name of REQUIRED_OPTIONS.ssh) assert.ok(help.includes(`${flagStyle(name)} (required with --storage ssh)`), name);
    assert.ok(listed.includes('overwrite') && listed.includes('compression') && listed.includes('remove_older_than'));
    assert.equal(new Set(listed).size, listed.length, 'each option once');
  });
});
