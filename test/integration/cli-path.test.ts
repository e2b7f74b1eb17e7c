import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { waitListening } from '../helpers/server';

const ROOT = path.resolve(__dirname, '../../..');
const WRAPPER = path.join(ROOT, 'bin/permafrost');
const VERSION = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const cleanEnv = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PERMAFROST_')));

/** The README's Quick start block that puts the command on the PATH (the one that runs `permafrost --version`). */
function quickStartPathBlock(): string {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const quickStart = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('\n## ', readme.indexOf('## Quick start') + 1));
  const block = [...quickStart.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]).find((b) => b.includes('permafrost --version'));
  assert.ok(block, 'the Quick start no longer shows how to put permafrost on the PATH');
  return block;
}

describe('the permafrost command as the README writes it', function () {
  this.timeout(60_000);

  it('cli-path: the Quick start block puts `permafrost` on the PATH and it runs, from the project root', () => {
    const run = spawnSync('bash', ['-euo', 'pipefail', '-c', quickStartPathBlock()], { cwd: ROOT, encoding: 'utf8', env: cleanEnv() });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout.trim(), VERSION);
  });

  it('cli-path: bin/permafrost works through a link from another directory (the checkout is found by following it)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pf-path-'));
    try {
      fs.symlinkSync(WRAPPER, path.join(dir, 'permafrost'));
      const run = spawnSync('permafrost', ['agent', '--version'], { cwd: dir, encoding: 'utf8', env: { ...cleanEnv(), PATH: `${dir}:${process.env.PATH}` } });
      assert.equal(run.status, 0, run.stderr);
      assert.equal(run.stdout.trim(), VERSION);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('cli-path: `npx permafrost` runs the checkout\'s command without fetching or copying anything into the npm cache', () => {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'pf-npx-cache-'));
    try {
      // --no: npx may not install anything; if it had to, this fails instead of fetching.
      const run = spawnSync('npx', ['--no', '--', 'permafrost', '--version'], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...cleanEnv(), npm_config_cache: cache, npm_config_update_notifier: 'false' },
      });
      assert.equal(run.status, 0, run.stderr);
      assert.equal(run.stdout.trim(), VERSION);
      assert.equal(fs.existsSync(path.join(cache, '_npx')), false, 'npx installed a copy of the project into its cache');
    } finally {
      fs.rmSync(cache, { recursive: true, force: true });
    }
  });

  it('cli-path: the wrapper execs node (signals reach the server: SIGTERM stops it cleanly), and serve\'s first log line names the version and database', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pf-path-serve-'));
    try {
      const proc = spawn(WRAPPER, ['serve', '--data-dir', dataDir, '--bind', '127.0.0.1:0'], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
      await waitListening(proc, () => out);
      // Same pid, now node running the CLI: the shell replaced itself.
      const cmdline = fs.readFileSync(`/proc/${proc.pid}/cmdline`, 'utf8').split('\0');
      assert.ok(cmdline.some((a) => a.endsWith('dist/src/bin/permafrost.js')), cmdline.join(' '));
      const first = JSON.parse(out.split('\n')[0]) as Record<string, unknown>;
      assert.equal(first.msg, 'permafrost starting');
      assert.equal(first.version, VERSION);
      assert.equal(first.database, `sqlite:${path.join(dataDir, 'permafrost.db')}`);
      proc.kill('SIGTERM');
      assert.equal(await exited, 0);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('cli-path: without a build, the wrapper says to run npm install (not a node stack)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pf-nobuild-'));
    try {
      fs.mkdirSync(path.join(dir, 'bin'));
      fs.copyFileSync(WRAPPER, path.join(dir, 'bin/permafrost'));
      const run = spawnSync(path.join(dir, 'bin/permafrost'), ['--version'], { encoding: 'utf8', env: cleanEnv() });
      assert.equal(run.status, 1);
      assert.match(run.stderr, /run 'npm install' in .* first/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('npm install, as the README runs it', function () {
  this.timeout(120_000);

  it('install: nothing to warn about (every dependency install script reviewed in allowScripts, every engines range met by this Node)', () => {
    const env = { ...cleanEnv(), npm_config_update_notifier: 'false' };
    const scripts = spawnSync('npm', ['install-scripts', 'ls'], { cwd: ROOT, encoding: 'utf8', env });
    assert.equal(scripts.status, 0, scripts.stderr);
    assert.match(scripts.stdout, /No packages with unreviewed install scripts/);
    // A dry run resolves the whole tree as `npm install` does, engines checks included, and changes nothing.
    const dry = spawnSync('npm', ['install', '--dry-run', '--no-audit', '--no-fund'], { cwd: ROOT, encoding: 'utf8', env });
    assert.equal(dry.status, 0, dry.stderr);
    assert.deepEqual(dry.stderr.split('\n').filter((line) => /\bwarn\b/i.test(line)), []);
  });
});
