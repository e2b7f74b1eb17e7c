import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InfoAction } from '../../../../src/agent/actions/info-action';
import { captureContext } from './capture-log';

describe('InfoAction (agent/actions/info-action.ts)', () => {
  let dir: string;
  const run = async (freezerAction: Record<string, unknown>) => {
    const ctx = captureContext();
    const outcome = await new InfoAction().run({ action: 'info', ...freezerAction }, ctx);
    return { outcome, lines: ctx.lines, tables: ctx.lines.filter((l) => 'info' in l).map((l) => l.info) };
  };

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'permafrost-info-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reports size and file count of a local container in the stock table shape', async () => {
    const container = path.join(dir, 'container');
    mkdirSync(path.join(container, 'a', 'b'), { recursive: true });
    writeFileSync(path.join(container, 'one'), Buffer.alloc(10));
    writeFileSync(path.join(container, 'a', 'two'), Buffer.alloc(20));
    writeFileSync(path.join(container, 'a', 'b', 'three'), Buffer.alloc(5));
    // Links are neither followed nor counted, even to a big file or back up the tree.
    writeFileSync(path.join(dir, 'outside'), Buffer.alloc(1000));
    symlinkSync(path.join(dir, 'outside'), path.join(container, 'link'));
    symlinkSync(container, path.join(container, 'a', 'loop'));

    for (const storage of ['local', undefined]) {
      const { outcome, lines, tables } = await run({ storage, container });
      assert.deepEqual(outcome, { result: 'success' });
      const table = [['Container', 'Size', 'Object Count'], [[container, 35, 3]]];
      assert.deepEqual(tables, [table]);
      assert.equal(lines.find((l) => 'info' in l)?.msg, JSON.stringify(table));
    }
  });

  it('reports a container that does not exist yet as empty', async () => {
    const container = path.join(dir, 'never-written');
    const { outcome, tables } = await run({ storage: 'local', container });
    assert.deepEqual(outcome, { result: 'success' });
    assert.deepEqual(tables, [[['Container', 'Size', 'Object Count'], [[container, 0, 0]]]]);
  });

  it('fails without a container, or when the container is not a directory', async () => {
    for (const container of [undefined, '', 7]) {
      const { outcome, tables } = await run({ storage: 'local', container });
      assert.equal(outcome.result, 'fail');
      assert.match(outcome.message ?? '', /needs a container/);
      assert.deepEqual(tables, []);
    }
    writeFileSync(path.join(dir, 'file'), 'x');
    const { outcome } = await run({ container: path.join(dir, 'file') });
    assert.equal(outcome.result, 'fail');
    assert.match(outcome.message ?? '', /not a directory/);
  });

  it('succeeds with no rows for storages it cannot list yet, and fails on unknown ones', async () => {
    for (const storage of ['ssh', 'swift', 's3']) {
      const { outcome, lines, tables } = await run({ storage, container: 'c' });
      assert.deepEqual(outcome, { result: 'success' });
      assert.deepEqual(tables, [[['Container', 'Size', 'Object Count'], []]]);
      assert.ok(lines.some((l) => l.msg === `info: listing ${storage} storage is not supported yet`));
    }
    const { outcome } = await run({ storage: 'tape', container: 'c' });
    assert.equal(outcome.result, 'fail');
    assert.match(outcome.message ?? '', /unknown storage "tape"/);
  });
});
