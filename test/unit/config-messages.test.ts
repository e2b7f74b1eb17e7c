import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import agentSchema from '../../schemas/agent_config.json';
import configSchema from '../../schemas/config.json';
import { loadAgentConfig } from '../../src/config/agent-config';
import { ConfigError, loadConfig } from '../../src/config/config';
import { listSettings, type SettingSchema } from '../../src/config/setting-schema';

/** The problems a load reports (none: []). */
function problemsOf(load: () => unknown): string[] {
  try {
    load();
    return [];
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.problems;
  }
}

/** Problems about one setting: `name: ...` or `name (from X): ...`. */
const about = (problems: string[], name: string) => problems.filter((p) => p.startsWith(`${name}:`) || p.startsWith(`${name} (from `));

/** Ajv's and regular expressions' wording, which a user should never be shown. */
function assertPlain(problem: string, node?: SettingSchema): void {
  for (const jargon of [/\bmust\b/, /\bshould\b/, /\bNOT\b/, /additional ?propert/i, /\bpattern\b/, /\bproperty\b/, /[\^$\\]/, /\(root\)/]) {
    assert.doesNotMatch(problem, jargon, `jargon in: ${problem}`);
  }
  if (node?.pattern) assert.equal(problem.includes(node.pattern), false, `regular expression in: ${problem}`);
}

/** A value of the wrong kind, and values of the right kind that break each bound the schema sets. */
function badValues(node: SettingSchema): unknown[] {
  const types = [node.type ?? []].flat();
  const textual = types.includes('string');
  const bad: unknown[] = [types.includes('array') ? { a: 1 } : textual ? [1, 2] : 'not valid !'];
  if (node.enum) bad.push('not-one-of-them');
  if (node.minimum !== undefined) bad.push(node.minimum - 1);
  if (node.exclusiveMinimum !== undefined) bad.push(node.exclusiveMinimum);
  if (node.maximum !== undefined) bad.push(node.maximum + 1);
  if (types.includes('integer')) bad.push((node.minimum ?? 0) + 1.5);
  if (node.pattern) bad.push('not valid here');
  if (node.minLength) bad.push('x'.repeat(node.minLength - 1));
  if (node.maxLength) bad.push('x'.repeat(node.maxLength + 1));
  return bad;
}

/** A YAML document setting one dotted name. */
function yamlFor(name: string, value: unknown): string {
  const doc = name.split('.').reduceRight<unknown>((inner, part) => ({ [part]: inner }), value);
  return YAML.stringify(doc);
}

const AGENT_ENV = { PERMAFROST_AGENT_API_URL: 'http://127.0.0.1:1', OS_TOKEN: 't', OS_PROJECT_ID: 'p' };

const SCHEMAS = [
  { title: 'permafrost serve', schema: configSchema as SettingSchema, load: (file: string) => loadConfig({ config: file }, {}) },
  // No environment: it would override the file (the checks of settings that need each other run
  // only once every value is valid, so they do not get in the way).
  { title: 'permafrost agent', schema: agentSchema as SettingSchema, load: (file: string) => loadAgentConfig({ config: file }, {}) },
];

describe('configuration messages (issue 16, item 7)', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-config-messages-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  let n = 0;
  const file = (text: string) => {
    const p = path.join(dir, `c${n++}.yaml`);
    fs.writeFileSync(p, text);
    return p;
  };

  describe('permafrost serve', () => {
    it('bind: names the value, where it came from, and what a listen address looks like', () => {
      assert.deepEqual(problemsOf(() => loadConfig({}, { PERMAFROST_BIND: 'localhost9090' })), [
        'bind (from PERMAFROST_BIND): "localhost9090" is not valid: expected a listen address host:port, e.g. 127.0.0.1:9090 or [::1]:9090',
      ]);
      assert.deepEqual(problemsOf(() => loadConfig({ bind: 'nowhere' }, {})), [
        'bind (from --bind): "nowhere" is not valid: expected a listen address host:port, e.g. 127.0.0.1:9090 or [::1]:9090',
      ]);
    });

    it('workers: says that "auto" is valid too, whether the value is not a number or out of range', () => {
      const expected = 'expected a whole number of API processes from 1 to 64, or "auto" for one per core, e.g. 2 or auto';
      assert.deepEqual(problemsOf(() => loadConfig({ workers: 'two' }, {})), [`workers (from --workers): "two" is not valid: ${expected}`]);
      assert.deepEqual(problemsOf(() => loadConfig({}, { PERMAFROST_WORKERS: '65' })), [`workers (from PERMAFROST_WORKERS): 65 is not valid: ${expected}`]);
      assert.deepEqual(problemsOf(() => loadConfig({ config: file('workers: 0\n') }, {})), [`workers: 0 is not valid: ${expected}`]);
    });

    it('an enum lists its choices; a number range gives its bounds', () => {
      assert.deepEqual(problemsOf(() => loadConfig({ logLevel: 'loud' }, {})), [
        'log_level (from --log-level): "loud" is not valid: expected one of fatal, error, warn, info, debug, trace, silent, e.g. info or debug',
      ]);
      assert.deepEqual(problemsOf(() => loadConfig({ config: file('events:\n  poll_ms: 5\n') }, {})), [
        'events.poll_ms: 5 is not valid: expected a whole number from 10 to 60000, e.g. 250',
      ]);
      assert.deepEqual(problemsOf(() => loadConfig({}, { PERMAFROST_FRESHNESS_GRACE_FACTOR: 'half' })), [
        'freshness.grace_factor (from PERMAFROST_FRESHNESS_GRACE_FACTOR): "half" is not valid: expected a number from 0 to 100, e.g. 0.5',
      ]);
    });

    it('a size, a path, a URL and an on/off switch say what they take', () => {
      const size = 'expected a size of at least 1024 bytes, a number with an optional unit (kb, mb, gb), e.g. 512kb or 25mb';
      assert.deepEqual(problemsOf(() => loadConfig({ bodyLimit: 'lots' }, {})), [`body_limit (from --body-limit): "lots" is not valid: ${size}`]);
      assert.deepEqual(problemsOf(() => loadConfig({ bodyLimit: '100' }, {})), [`body_limit (from --body-limit): 100 is not valid: ${size}`]);
      assert.deepEqual(problemsOf(() => loadConfig({ config: file('data_dir: ""\n') }, {})), ['data_dir: "" is not valid: expected a directory path, e.g. /var/lib/permafrost']);
      assert.deepEqual(problemsOf(() => loadConfig({}, { PERMAFROST_PUBLIC_URL: 'backup.example.com' })), [
        'public_url (from PERMAFROST_PUBLIC_URL): "backup.example.com" is not valid: expected an http:// or https:// URL without spaces, or null to take it from each request, e.g. https://backup.example.com',
      ]);
      // Text other than 1/true/yes/on and 0/false/no/off used to mean "off" silently.
      assert.deepEqual(problemsOf(() => loadConfig({}, { PERMAFROST_ACCESS_LOG: 'maybe' })), [
        'access_log (from PERMAFROST_ACCESS_LOG): "maybe" is not valid: expected true or false, e.g. true',
      ]);
      assert.equal(loadConfig({}, { PERMAFROST_ACCESS_LOG: 'off' }).access_log, false);
      assert.equal(loadConfig({}, { PERMAFROST_ACCESS_LOG: 'Yes' }).access_log, true);
    });

    it('an unknown key is named, with the setting it most likely meant', () => {
      const problems = problemsOf(() => loadConfig({ config: file('limits:\n  max_depht: 3\nmax_string_length: 300\ncolour: blue\nwokers: 2\n') }, {}));
      assert.deepEqual(problems.sort(), [
        'colour: unknown setting',
        'limits.max_depht: unknown setting; did you mean limits.max_depth?',
        'max_string_length: unknown setting; did you mean limits.max_string_length?',
        'wokers: unknown setting; did you mean workers?',
      ]);
    });

    it('never repeats a secret it refuses', () => {
      const problems = problemsOf(() => loadConfig({}, { PERMAFROST_ADMIN_PASSWORD: 'hunter2' }));
      assert.deepEqual(problems, [
        'bootstrap.admin_password (from PERMAFROST_ADMIN_PASSWORD): the value given is not valid: expected a password of at least 8 characters, or null to generate one, e.g. correct-horse-battery',
      ]);
    });

    it('a group given as something else than a mapping is reported, not ignored', () => {
      const problems = problemsOf(() => loadConfig({ config: file('limits: 5\nkeystone:\n') }, {}));
      assert.deepEqual(problems, ['limits: 5 is not valid: expected a mapping of the settings max_keys, max_depth, max_string_length, max_array_items']);
    });
  });

  describe('permafrost agent', () => {
    it('a URL, a number range, a path list and a switch from flags, the environment and the file', () => {
      const problems = problemsOf(() =>
        loadAgentConfig({ apiUrl: 'localhost:9090', allowedPaths: '/srv:backups', config: file('page_size: 5000\njobs_dir: ""\n') }, { ...AGENT_ENV, PERMAFROST_AGENT_INTERVAL: '0' }),
      );
      assert.deepEqual(problems, [
        'api_url (from --api-url): "localhost:9090" is not valid: expected the http:// or https:// URL of the Freezer API, without the version, e.g. http://127.0.0.1:9090 or https://backup.example.com',
        'poll_interval_s (from PERMAFROST_AGENT_INTERVAL): 0 is not valid: expected seconds between polls, a number above 0 and at most 86400, e.g. 60 or 0.5',
        'page_size: 5000 is not valid: expected a whole number from 1 to 1000, e.g. 100',
        'jobs_dir: "" is not valid: expected a directory path, e.g. /var/lib/permafrost-agent/jobs',
        'allowed_paths (from --allowed-paths): item 2, "backups" is not valid: expected a list of absolute paths (each starting with /), colon-separated in PERMAFROST_AGENT_ALLOWED_PATHS and --allowed-paths, or null for no limit, e.g. /srv:/var/backups or [/srv, /var/backups]',
      ]);
    });

    it('an enum and an unknown key', () => {
      const problems = problemsOf(() => loadAgentConfig({ config: file('api_version: v3\napi_ur: http://x\n') }, AGENT_ENV));
      assert.deepEqual(problems, ['api_ur: unknown setting; did you mean api_url?', 'api_version: "v3" is not valid: expected one of v1, v2, e.g. v2']);
    });
  });

  for (const { title, schema, load } of SCHEMAS) {
    describe(`every setting of ${title}`, () => {
      const settings = listSettings(schema);

      it('has examples, each of which is accepted, and words consistent with its bounds', () => {
        assert.ok(settings.length > 20);
        for (const [name, node] of settings) {
          assert.ok(node.examples && node.examples.length > 0, `${name} has no examples`);
          for (const example of node.examples) {
            assert.deepEqual(about(problemsOf(() => load(file(yamlFor(name, example)))), name), [], `${name}: example ${JSON.stringify(example)} is refused`);
          }
          if (node.pattern) assert.ok(node.expected, `${name} has a pattern but no expected words`);
          for (const bound of [node.minimum, node.maximum, node.exclusiveMinimum]) {
            if (node.expected && bound !== undefined) assert.match(node.expected, new RegExp(`\\b${bound}\\b`), `${name}: expected words do not mention ${bound}`);
          }
        }
      });

      it('refuses a bad value with the setting named, what is expected and an example, in plain words', () => {
        for (const [name, node] of settings) {
          for (const value of badValues(node)) {
            const problems = problemsOf(() => load(file(yamlFor(name, value))));
            const mine = about(problems, name);
            assert.ok(mine.length > 0, `${name}: ${JSON.stringify(value)} was not refused (${problems.join(' | ')})`);
            assert.match(mine[0], /: expected .+, e\.g\. /, mine[0]);
            if (node.writeOnly && typeof value === 'string') assert.equal(mine[0].includes(JSON.stringify(value)), false, `${name} repeats the secret`);
            for (const problem of problems) assertPlain(problem, node);
          }
        }
      });
    });
  }

  it('a config file that cannot be read or is not a mapping of settings says so, with the YAML line', () => {
    const missing = path.join(dir, 'nope.yaml');
    assert.deepEqual(problemsOf(() => loadConfig({ config: missing }, {})), [`config file ${missing}: not found (given by --config)`]);
    assert.deepEqual(problemsOf(() => loadConfig({}, { PERMAFROST_CONFIG: missing })), [`config file ${missing}: not found (given by PERMAFROST_CONFIG)`]);
    assert.deepEqual(problemsOf(() => loadAgentConfig({}, { ...AGENT_ENV, PERMAFROST_AGENT_CONFIG: missing })), [`config file ${missing}: not found (given by PERMAFROST_AGENT_CONFIG)`]);
    assert.deepEqual(problemsOf(() => loadConfig({ config: dir }, {})), [`config file ${dir}: is a directory, expected a YAML file (given by --config)`]);
    const twice = file('bind: 127.0.0.1:1\nauth: noauth\nbind: 127.0.0.1:2\n');
    assert.deepEqual(problemsOf(() => loadConfig({ config: twice }, {})), [`config file ${twice}: not valid YAML at line 3, column 1: a setting is given twice`]);
    const unclosed = file('log_level: debug\nbind: "127.0.0.1:1\n');
    assert.match(problemsOf(() => loadConfig({ config: unclosed }, {}))[0], new RegExp(`^config file ${unclosed}: not valid YAML at line \\d+, column \\d+: Missing closing "quote$`));
    const list = file('- bind: 127.0.0.1:1\n');
    assert.deepEqual(problemsOf(() => loadConfig({ config: list }, {})), [
      `config file ${list}: holds a list, not a mapping of settings: expected one "name: value" line per setting, e.g. "log_level: info"`,
    ]);
    assert.equal(loadConfig({ config: file('# nothing set yet\n') }, {}).bind, '127.0.0.1:9090', 'an empty file is no settings');
  });
});
