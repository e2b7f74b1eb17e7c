import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadAgentConfig } from '../../src/config/agent-config';
import { waitFor } from '../helpers/agent';
import { ensureEngineTools, tempDir } from '../helpers/engine';
import { startSshd } from '../helpers/sshd';
import { makeTree, manifest, manifestDiff } from '../helpers/tree';

// dist/permafrost-agent.js (scripts/bundle-agent.mjs, run by `npm run build`): the agent-only
// install. Each test runs a copy of it in a temporary directory with no node_modules above it,
// as on a host where it was installed alone.

const run = promisify(execFile);
const REPO = path.resolve(__dirname, '../../..');
const BUNDLE = path.join(REPO, 'dist', 'permafrost-agent.js');
const METAFILE = path.join(REPO, 'dist', 'permafrost-agent.meta.json');
const FULL_CLI = path.join(REPO, 'dist', 'src', 'bin', 'permafrost.js');

/** Packages of the API server and its stores: none may be in the agent bundle. */
const SERVER_ONLY = /(^|\/)node_modules\/(better-sqlite3|mongoose|mongodb|koa|@koa\/router|prom-client)\//;
/** ssh2 requires these inside try/catch and falls back to pure JavaScript without them. */
const OPTIONAL_NATIVE = ['cpu-features', './crypto/build/Release/sshcrypto.node'];

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

describe('the agent-only install (dist/permafrost-agent.js, one file)', function () {
  this.timeout(60_000);
  let work = '';
  let bin = '';
  /** No PERMAFROST_*, OS_* or module search paths from the test's own environment; HOME is the work dir. */
  let env: NodeJS.ProcessEnv = {};

  const agentBin = async (args: string[]): Promise<Result> => {
    try {
      const { stdout, stderr } = await run(process.execPath, [bin, ...args], { cwd: work, env, timeout: 60_000 });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as Result;
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  before(() => {
    assert.ok(fs.existsSync(BUNDLE), `${BUNDLE} is missing: \`npm run build\` makes it (tsc alone does not)`);
    ensureEngineTools();
    work = tempDir('agent-bundle');
    for (let dir = work; ; dir = path.dirname(dir)) {
      assert.equal(fs.existsSync(path.join(dir, 'node_modules')), false, `${dir}/node_modules would be reachable from the copy`);
      if (path.dirname(dir) === dir) break;
    }
    bin = path.join(work, 'permafrost');
    fs.copyFileSync(BUNDLE, bin);
    fs.chmodSync(bin, fs.statSync(BUNDLE).mode);
    const kept = Object.entries(process.env).filter(([k]) => !/^(PERMAFROST_|OS_|NODE_PATH$|NODE_OPTIONS$)/.test(k));
    env = { ...Object.fromEntries(kept), HOME: work };
    makeTree(path.join(work, 'src'));
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it('is one executable file with a shebang, and prints the package version', async () => {
    assert.equal(fs.readFileSync(BUNDLE, 'utf8').split('\n', 1)[0], '#!/usr/bin/env node');
    assert.equal(fs.statSync(BUNDLE).mode & 0o111, 0o111, 'executable by everyone');
    const version = (JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
    const { stdout } = await run(bin, ['--version'], { cwd: work, env });
    assert.equal(stdout.trim(), version);
  });

  it('checks its host with `doctor` (Node.js against the bundled engines range, tar, the default compressor)', async () => {
    const jobs = path.join(work, 'doctor-jobs');
    fs.mkdirSync(jobs, { mode: 0o700, recursive: true });
    const doctor = await agentBin(['doctor', '--no-api', '--jobs-dir', jobs]);
    assert.equal(doctor.code, 0, doctor.stdout + doctor.stderr);
    const { engines } = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { engines: { node: string } };
    assert.match(doctor.stdout, new RegExp(`^ok +node: ${process.version.replace(/\./g, '\\.')} \\(needs ${engines.node.replace(/\./g, '\\.')}\\)$`, 'm'));
    assert.match(doctor.stdout, /^ok +tar: GNU tar/m);
  });

  it('backs up a tree to a local container and restores it the same (dry run counted by its worker)', async () => {
    const store = ['--storage', 'local', '--container', path.join(work, 'store'), '--backup-name', 'tree', '--hostname', 'h'];
    const dry = await agentBin(['action', 'backup', '--path-to-backup', path.join(work, 'src'), ...store, '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    const files = [...manifest(path.join(work, 'src')).values()].filter((e) => e.type === 'file').length;
    assert.match(dry.stderr, new RegExp(`would back up ${files} files`));
    const b = await agentBin(['action', 'backup', '--path-to-backup', path.join(work, 'src'), ...store, '--compression', 'zstd', '--metadata-out', '-']);
    assert.equal(b.code, 0, b.stderr);
    assert.equal((JSON.parse(b.stdout) as { compression: string }).compression, 'zstd');
    const r = await agentBin(['action', 'restore', '--restore-abs-path', path.join(work, 'out'), ...store]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(manifestDiff(manifest(path.join(work, 'src')), manifest(path.join(work, 'out'))), []);
  });

  it('runs a backup job with `agent --no-api`, logs to a file, and stops on SIGTERM with status 0', async () => {
    const jobs = path.join(work, 'jobs');
    const container = path.join(work, 'agent-store');
    fs.mkdirSync(jobs, { mode: 0o700 });
    const action = { action: 'backup', path_to_backup: path.join(work, 'src'), storage: 'local', container, backup_name: 'job', hostname: 'h' };
    fs.writeFileSync(path.join(jobs, 'job_nightly.conf'), JSON.stringify({ job_schedule: {}, job_actions: [{ freezer_action: action }] }), { mode: 0o600 });
    const logFile = path.join(work, 'log', 'agent.log');
    const agent = spawn(process.execPath, [bin, 'agent', '--no-api', '--jobs-dir', jobs, '--log-level', 'info', '--log-file', logFile], { cwd: work, env, stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => agent.once('exit', (code) => resolve(code)));
    try {
      const log = () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '');
      await waitFor('the job to finish', 30_000, async () => /"result":"success","msg":"run finished"/.test(log()) || agent.exitCode !== null);
      assert.match(log(), /"msg":"backup level 0 of h_job: \d+ files/);
    } finally {
      agent.kill('SIGTERM');
    }
    assert.equal(await exited, 0);
    const r = await agentBin(['action', 'restore', '--restore-abs-path', path.join(work, 'agent-out'), '--storage', 'local', '--container', container, '--backup-name', 'job', '--hostname', 'h']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(manifestDiff(manifest(path.join(work, 'src')), manifest(path.join(work, 'agent-out'))), []);
  });

  it('backs up and restores over sftp (ssh2 without its optional native parts)', async function () {
    const sshd = await startSshd();
    if (!sshd) this.skip();
    try {
      const store = ['--storage', 'ssh', '--ssh-host', sshd.host, '--ssh-port', String(sshd.port), '--ssh-username', sshd.username,
        '--ssh-key', sshd.keyFile, '--ssh-known-hosts', sshd.knownHostsFile, '--container', path.join(sshd.dir, 'store'), '--backup-name', 'sftp', '--hostname', 'h'];
      const b = await agentBin(['action', 'backup', '--path-to-backup', path.join(work, 'src'), ...store]);
      assert.equal(b.code, 0, b.stderr);
      const r = await agentBin(['action', 'restore', '--restore-abs-path', path.join(work, 'sftp-out'), ...store]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(manifestDiff(manifest(path.join(work, 'src')), manifest(path.join(work, 'sftp-out'))), []);
    } finally {
      await sshd.stop();
    }
  });

  it('holds no server module, and requires only Node built-ins and the optional natives of ssh2', () => {
    const inputs = Object.keys((JSON.parse(fs.readFileSync(METAFILE, 'utf8')) as { inputs: Record<string, unknown> }).inputs);
    assert.ok(inputs.some((i) => i.endsWith('dist/src/cli/agent-run.js')), 'the agent, loaded by import(), is bundled');
    assert.ok(inputs.some((i) => i.endsWith('dist/src/engine/storage/sftp-storage.js')), 'the sftp storage, loaded by require(), is bundled');
    assert.deepEqual(inputs.filter((i) => SERVER_ONLY.test(i)), []);
    assert.deepEqual(inputs.filter((i) => /dist\/src\/(http|store\/sqlite|store\/mongo)\/|dist\/src\/server\.js$/.test(i)), []);
    // Calls only: ajv's code generator has require("...") inside the strings it generates.
    const required = [...fs.readFileSync(BUNDLE, 'utf8').matchAll(/(?<![\w.$'"`])require\("([^"]+)"\)/g)].map((m) => m[1]);
    const builtin = new Set(builtinModules);
    assert.ok(required.includes('node:fs') || required.includes('fs'), 'the scan sees the bundle\'s requires');
    assert.deepEqual([...new Set(required.filter((m) => !m.startsWith('node:') && !builtin.has(m)))].sort(), [...OPTIONAL_NATIVE].sort());
  });
});

describe('etc/systemd units', () => {
  const units = ['permafrost-agent.service', 'permafrost.service'];
  const unitText = (name: string) => fs.readFileSync(path.join(REPO, 'etc', 'systemd', name), 'utf8');
  const setting = (text: string, key: string): string => {
    const m = new RegExp(`^${key}=(.*)$`, 'm').exec(text);
    assert.ok(m, `${key}= is set`);
    return m[1].trim();
  };

  it('start the agent bundle and the full CLI with flags their commands have', async () => {
    for (const name of units) {
      const [, command, ...args] = setting(unitText(name), 'ExecStart').split(/\s+/);
      const cli = name === 'permafrost-agent.service' ? BUNDLE : FULL_CLI;
      const { stdout } = await run(process.execPath, [cli, command, '--help']);
      const known = new Set(stdout.split('\n').filter((l) => /^\s+-/.test(l)).flatMap((l) => l.match(/--[a-z][\w-]*/g) ?? []));
      const used = args.filter((a) => a.startsWith('--'));
      assert.ok(used.length > 0, `${name}: ExecStart has flags`);
      for (const flag of used) assert.ok(known.has(flag), `${name}: ${command} has no ${flag} (it has ${[...known].join(' ')})`);
    }
  });

  it('send SIGTERM to the main process only, and wait for the agent to drain and report before SIGKILL', () => {
    for (const name of units) assert.equal(setting(unitText(name), 'KillMode'), 'mixed', name);
    const defaults = loadAgentConfig({ noApi: true }, {});
    const needed = defaults.drain_timeout_s + defaults.request_timeout_ms / 1000;
    assert.ok(Number(setting(unitText('permafrost-agent.service'), 'TimeoutStopSec')) >= needed, `TimeoutStopSec >= ${needed}`);
  });
});
