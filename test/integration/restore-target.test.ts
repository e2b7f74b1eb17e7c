import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { startAgent, waitFor } from '../helpers/agent';
import { backup, ensureEngineTools, filesUnder, restore, tempDir } from '../helpers/engine';
import { topLevelKeys } from '../helpers/json-keys';
import { makeTree } from '../helpers/tree';

const run = promisify(execFile);
const CLI = path.resolve(__dirname, '../../src/bin/permafrost.js');

async function action(args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    const { stderr } = await run(process.execPath, [CLI, 'action', ...args], { timeout: 60_000 });
    return { code: 0, stderr };
  } catch (err) {
    const e = err as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
}

describe('restore targets: the not-empty message names the setting where it ran; a failed restore removes what it created', function () {
  this.timeout(120_000);
  let work = '';
  before(() => {
    ensureEngineTools();
    work = tempDir('restore-target');
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));
  const store = (name: string) => ['--storage', 'local', '--container', path.join(work, 'store'), '--backup-name', name, '--hostname', 'h'];

  it('permafrost action: a restore of a backup name with no backups removes the nested directories it created', async () => {
    const top = path.join(work, 'new-parent');
    const r = await action(['restore', '--restore-abs-path', path.join(top, 'a', 'target'), ...store('nothing')]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /No matching backup name "h_nothing" found/);
    assert.equal(fs.existsSync(top), false, 'the directories it made are gone');
    assert.ok(fs.existsSync(work), 'the parent that was there stays');
  });

  it('permafrost action: a pre-existing empty target is kept when the restore fails', async () => {
    const target = path.join(work, 'existing-empty');
    fs.mkdirSync(target);
    const r = await action(['restore', '--restore-abs-path', target, ...store('nothing')]);
    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual(fs.readdirSync(target), []);
  });

  it('permafrost action: a non-empty target is refused naming --overwrite, and kept as it was', async () => {
    const target = path.join(work, 'full');
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'keep.txt'), 'mine');
    const r = await action(['restore', '--restore-abs-path', target, ...store('nothing')]);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr.trim(), 'permafrost action: Restore dir is not empty. Please use --overwrite or choose a different path.');
    assert.deepEqual(fs.readdirSync(target), ['keep.txt']);
  });

  it('a restore of a corrupt archive (refused before tar sees a byte) removes the directories it created, never one that was there', async () => {
    const src = path.join(work, 'corrupt-src');
    makeTree(src);
    const key = path.join(work, 'key');
    fs.writeFileSync(key, 'k1\n');
    const common = { storage: 'local', container: path.join(work, 'corrupt-store'), backup_name: 'c', hostname: 'h', encrypt_pass_file: key, encryption_format: 'openssl' };
    await backup({ ...common, path_to_backup: src });
    const [data] = filesUnder(common.container).filter((f) => f.endsWith('/data'));
    const file = path.join(common.container, data);
    const bytes = fs.readFileSync(file);
    bytes[Math.floor(bytes.length / 2)] ^= 0x10;
    fs.writeFileSync(file, bytes);
    const top = path.join(work, 'corrupt-out');
    await assert.rejects(restore({ ...common, restore_abs_path: path.join(top, 'deep', 'er') }), /does not match the checksum/);
    assert.equal(fs.existsSync(top), false);
    // A trailing '/' does not make it climb past what it made: the empty parent that was there stays.
    const parent = path.join(work, 'empty-parent');
    fs.mkdirSync(parent);
    await assert.rejects(restore({ ...common, restore_abs_path: `${parent}/new/` }), /does not match the checksum/);
    assert.deepEqual(fs.readdirSync(parent), []);
    await assert.rejects(restore({ ...common, restore_abs_path: parent }), /does not match the checksum/);
    assert.ok(fs.existsSync(parent), 'a directory that was there is never removed');
  });

  it('an agent job: the not-empty message names overwrite: true; its failed restore removes what it made; each log key once, times in ISO 8601', async () => {
    const jobs = path.join(work, 'jobs');
    const full = path.join(work, 'job-full');
    const made = path.join(work, 'job-made');
    fs.mkdirSync(jobs);
    fs.mkdirSync(full);
    fs.writeFileSync(path.join(full, 'keep.txt'), 'mine');
    const restoreInto = (dir: string) => ({ action: 'restore', storage: 'local', container: path.join(work, 'store'), backup_name: 'nobackups', hostname: 'h', restore_abs_path: dir });
    fs.writeFileSync(path.join(jobs, 'job_restore.conf'), JSON.stringify({
      job_id: 'job-restore-target',
      job_schedule: {},
      job_actions: [
        { freezer_action: { action: 'exec', command: 'echo hello-from-exec', shell: true } },
        { freezer_action: restoreInto(full) },
        { freezer_action: restoreInto(path.join(made, 'deep')), mandatory: true },
      ],
    }));
    const agent = startAgent({ PERMAFROST_AGENT_LOG_LEVEL: 'info' }, ['--no-api', '--jobs-dir', jobs]);
    try {
      await waitFor('the run to end', 30_000, async () => /"msg":"run finished"/.test(agent.logs()));
    } finally {
      await agent.stop();
    }
    const lines = agent.logs().split('\n').filter((l) => l.startsWith('{'));
    const messages = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const failed = messages.map((m) => String(m.msg)).filter((m) => m.startsWith('restore failed'));
    assert.deepEqual(failed[0], 'restore failed: Restore dir is not empty. Please use overwrite: true or choose a different path.');
    assert.match(failed[1], /No matching backup name "h_nobackups" found/);
    assert.deepEqual(fs.readdirSync(full), ['keep.txt']);
    assert.equal(fs.existsSync(made), false, 'the directories the job made are gone');
    assert.ok(messages.some((m) => m.msg === 'hello-from-exec' && m.jobId === 'job-restore-target'), 'the command output is logged with its job');
    for (const line of lines) {
      const keys = topLevelKeys(line);
      assert.equal(new Set(keys).size, keys.length, `a key twice in ${line}`);
      assert.match(String((JSON.parse(line) as { time: unknown }).time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, line);
    }
    assert.ok(lines.filter((l) => l.includes('"jobId"')).length >= 5, 'job lines were checked');
  });
});
