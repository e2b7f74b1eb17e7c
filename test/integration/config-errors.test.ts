import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const ENTRY = path.resolve(__dirname, '../../src/bin/permafrost.js');
const cleanEnv = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PERMAFROST_') && !k.startsWith('OS_')));

function permafrost(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [ENTRY, ...args], { encoding: 'utf8', env: { ...cleanEnv(), ...env }, timeout: 20000 });
}

/** One line per problem, exit status 2, nothing on stdout and no stack trace. */
function assertRefused(run: ReturnType<typeof permafrost>, line: RegExp): void {
  assert.equal(run.status, 2, run.stderr);
  assert.equal(run.stdout, '');
  assert.match(run.stderr, line);
  assert.doesNotMatch(run.stderr, /^\s+at /m, 'a stack trace');
  assert.doesNotMatch(run.stderr, /ENOENT|Error:/);
}

describe('configuration errors on the command line (issue 16, item 7)', function () {
  this.timeout(30000);

  it('serve and agent --config /nonexistent.yaml: the file named, status 2, no stack trace', () => {
    assertRefused(permafrost(['serve', '--config', '/nonexistent.yaml']), /^permafrost: invalid configuration: config file \/nonexistent\.yaml: not found \(given by --config\)$/m);
    assertRefused(permafrost(['agent', '--config', '/nonexistent.yaml']), /^permafrost agent: invalid configuration: config file \/nonexistent\.yaml: not found \(given by --config\)$/m);
  });

  it('the file named by PERMAFROST_CONFIG or PERMAFROST_AGENT_CONFIG, and a directory', () => {
    assertRefused(permafrost(['serve'], { PERMAFROST_CONFIG: '/nonexistent.yaml' }), /config file \/nonexistent\.yaml: not found \(given by PERMAFROST_CONFIG\)$/m);
    assertRefused(permafrost(['agent'], { PERMAFROST_AGENT_CONFIG: '/nonexistent.yaml' }), /config file \/nonexistent\.yaml: not found \(given by PERMAFROST_AGENT_CONFIG\)$/m);
    assertRefused(permafrost(['serve', '--config', '/']), /config file \/: is a directory, expected a YAML file \(given by --config\)$/m);
  });

  it('bad values say where they came from and what is expected, without ajv wording', () => {
    const run = permafrost(['serve', '--workers', 'two'], { PERMAFROST_BIND: 'localhost9090' });
    assertRefused(run, /^ {2}- bind \(from PERMAFROST_BIND\): "localhost9090" is not valid: expected a listen address host:port, e.g\. 127\.0\.0\.1:9090 or \[::1\]:9090$/m);
    assert.match(run.stderr, /^ {2}- workers \(from --workers\): "two" is not valid: expected .*"auto".*, e\.g\. 2/m);
    assert.doesNotMatch(run.stderr, /must|pattern|\^/);
  });
});

describe('configuration errors end every command with status 2', function () {
  this.timeout(30000);

  for (const args of [['db', 'sync'], ['db', 'checksum'], ['project', 'list'], ['token', 'issue', '--user', 'u', '--project', 'p'], ['events', 'emit', '--user', 'u', '--type', 'run.failed']]) {
    it(`${args.slice(0, 2).join(' ')} --config /nonexistent.yaml: the file named, status 2`, () => {
      assertRefused(permafrost([...args, '--config', '/nonexistent.yaml']), /^permafrost: invalid configuration: config file \/nonexistent\.yaml: not found \(given by --config\)$/m);
    });
  }
});
