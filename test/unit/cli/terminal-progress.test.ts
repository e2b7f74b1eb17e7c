import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { TerminalProgress } from '../../../src/cli/terminal-progress';
import { pollUntil } from '../../helpers/processes';
import type { ProgressSnapshot } from '../../../src/engine';

function fakeTerminal(isTTY: boolean): NodeJS.WriteStream & { text(): string } {
  const stream = new PassThrough() as unknown as NodeJS.WriteStream & { text(): string };
  let out = '';
  stream.on('data', (c: Buffer) => (out += c.toString()));
  Object.assign(stream, { isTTY, columns: 160, rows: 40, text: () => out });
  return stream;
}

const snapshot = (done: number, total: number | null, eta: number | null): ProgressSnapshot => ({
  phase: 'backup', bytes_done: done, files_done: 7, bytes_total: total, files_total: null, bytes_per_s: 1 << 20, eta_s: eta, stored_bytes: 0, started_at: 0, updated_at: 0,
});

describe('TerminalProgress (cli/terminal-progress.ts)', () => {
  it('draws a bar with percent, bytes, files, rate and ETA on a terminal', async () => {
    const term = fakeTerminal(true);
    const bars = new TerminalProgress(term);
    bars.update('job1 ', snapshot(50 << 20, 100 << 20, 50));
    // cli-progress redraws on a timer (10 times a second by default): wait for the drawing.
    await pollUntil('the 50% bar to be drawn', 5000, () => /50% \|/.test(term.text()));
    bars.update('job1 ', snapshot(100 << 20, 100 << 20, 0));
    await new Promise((r) => setImmediate(r));
    const text = term.text();
    assert.match(text, /job1 backup \[/);
    assert.match(text, /50% \| 50 MiB \| 7 files \| 1 MiB\/s \| ETA 50s/);
    assert.match(text, /100% \| 100 MiB/);
  });

  it('labels sizes by the unit they are computed in: 62,515,200 bytes read 59.62 MiB', async () => {
    const term = fakeTerminal(true);
    const bars = new TerminalProgress(term);
    bars.update('', snapshot(62_515_200, 62_515_200, 0));
    await new Promise((r) => setImmediate(r));
    assert.match(term.text(), /100% \| 59\.62 MiB \| 7 files/);
    assert.doesNotMatch(term.text(), /\d MB/);
  });

  it('writes nothing when the stream is not a terminal', async () => {
    const term = fakeTerminal(false);
    const bars = new TerminalProgress(term);
    bars.update('x', snapshot(1, 2, 1));
    bars.stop();
    await new Promise((r) => setImmediate(r));
    assert.equal(term.text(), '');
    assert.equal(bars.enabled, false);
  });
});
