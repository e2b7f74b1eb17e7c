import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { ensureEngineTools, tempDir } from '../helpers/engine';
import { makeTree } from '../helpers/tree';

const run = promisify(execFile);
const CLI = path.resolve(__dirname, '../../src/bin/permafrost.js');
const ISO = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ`;

describe('permafrost action: times people read are dates, not epochs', function () {
  this.timeout(60_000);
  let work = '';
  before(() => {
    ensureEngineTools();
    work = tempDir('readable');
    makeTree(path.join(work, 'src'));
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));
  const store = () => ['--storage', 'local', '--container', path.join(work, 'store'), '--backup-name', 'r', '--hostname', 'h'];

  it('the retention dry run and removal name the cutoff and each chain with an ISO 8601 date; log times are ISO 8601', async () => {
    // Two chains a second apart (chain names are epoch seconds): retention never removes the newest.
    for (const wait of [0, 1100]) {
      await new Promise((r) => setTimeout(r, wait));
      await run(process.execPath, [CLI, 'action', 'backup', '--path-to-backup', path.join(work, 'src'), ...store(), '--no-incremental'], { timeout: 60_000 });
    }
    const cutoffS = Math.floor(Date.now() / 1000) + 3600;
    const cutoff = new Date(cutoffS * 1000).toISOString().replace('.000Z', 'Z');
    const dry = await run(process.execPath, [CLI, 'action', 'admin', ...store(), '--remove-from-date', String(cutoffS), '--dry-run', '--log-level', 'info'], { timeout: 60_000 });
    const summary = dry.stderr.split('\n').find((l) => l.startsWith('dry run:'));
    assert.match(summary ?? '', new RegExp(`^dry run: would remove 1 chain\\(s\\) of h_r older than ${cutoff}: chain \\d+ of ${ISO} \\(1 backups\\); keeping 1$`), dry.stderr);
    assert.ok(!summary?.includes(String(cutoffS)), 'the cutoff is not printed as an epoch');
    const logs = dry.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { time: unknown });
    assert.ok(logs.length > 0, dry.stderr);
    for (const line of logs) assert.match(String(line.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const removed = await run(process.execPath, [CLI, 'action', 'admin', ...store(), '--remove-from-date', String(cutoffS)], { timeout: 60_000 });
    assert.match(removed.stderr.trim(), new RegExp(`^removed 1 chain\\(s\\) of h_r older than ${cutoff}: chain \\d+ of ${ISO} \\(1 backups\\); kept 1$`));
  });
});
