import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ExecAction } from '../../../../src/agent/actions/exec-action';
import { InfoAction } from '../../../../src/agent/actions/info-action';
import { topLevelKeys } from '../../../helpers/json-keys';
import { captureContext } from './capture-log';

/** Asserts no line of `raw` has a key twice, and returns how many carry jobId. */
function jobLines(raw: string[]): number {
  for (const line of raw) {
    const keys = topLevelKeys(line);
    assert.equal(new Set(keys).size, keys.length, `a key twice in ${line}`);
  }
  return raw.filter((l) => topLevelKeys(l).includes('jobId')).length;
}

describe('agent action log lines name their job once (the job logger binds jobId)', () => {
  it('the key scanner sees a repeated key, nested objects and quotes in strings notwithstanding', () => {
    assert.deepEqual(topLevelKeys('{"a":1,"b":{"a":"x\\":"},"c":["{"],"a":2}'), ['a', 'b', 'c', 'a']);
  });

  it('exec: start, output, truncation and end lines', async () => {
    const ctx = captureContext();
    const outcome = await new ExecAction({ defaultTimeoutS: 30, killGraceMs: 500 }).run({ action: 'exec', command: 'echo one; echo two >&2', shell: true }, ctx);
    assert.equal(outcome.result, 'success');
    assert.ok(ctx.lines.some((l) => l.msg === 'one' && l.stream === 'stdout'));
    assert.equal(jobLines(ctx.raw), ctx.raw.length, 'every line names the job');
    assert.ok(ctx.raw.length >= 4);
  });

  it('info: the table line', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'permafrost-log-keys-'));
    try {
      const ctx = captureContext();
      await new InfoAction().run({ action: 'info', storage: 'local', container: dir }, ctx);
      assert.ok(ctx.raw.length >= 1);
      assert.equal(jobLines(ctx.raw), ctx.raw.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
