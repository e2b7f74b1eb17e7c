import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { OutputLog } from '../../../../src/agent/actions/output-log';
import { captureContext, outputOf } from './capture-log';

describe('OutputLog (agent/actions/output-log.ts)', () => {
  const feed = async (chunks: string[], limits = { maxLines: 1000, maxBytes: 1024 }) => {
    const ctx = captureContext();
    const source = new PassThrough();
    new OutputLog(ctx.log, limits).attach(source, 'stderr', 2);
    for (const chunk of chunks) source.write(chunk);
    source.end();
    await new Promise((resolve) => source.once('close', resolve));
    return ctx.lines;
  };

  it('logs whole lines across chunk boundaries, CRLF too, and a last unterminated line', async () => {
    const lines = await feed(['one\r\ntw', 'o\n\nthr', 'ee']);
    assert.deepEqual(outputOf(lines, 'stderr'), ['one', 'two', '', 'three']);
    assert.deepEqual([lines[0].stream, lines[0].stage, lines[0].jobId], ['stderr', 2, 'job-1']);
  });

  it('stops at the line or byte budget with one truncation line', async () => {
    const byLines = await feed(['a\nb\nc\nd\n'], { maxLines: 2, maxBytes: 1024 });
    assert.deepEqual(byLines.map((l) => l.msg), ['a', 'b', 'output truncated']);
    const byBytes = await feed(['abcdef\n', 'ghijkl', 'mnop\nq\n'], { maxLines: 100, maxBytes: 10 });
    assert.deepEqual(byBytes.map((l) => l.msg), ['abcdef', 'ghij', 'output truncated']);
  });
});
