import assert from 'node:assert/strict';
import { LOG_LINE_CHARS, LOG_TAIL_LINES, RunRecorder } from '../../../src/agent/run-recorder';

describe('agent: RunRecorder (what a run reports to the runs API)', () => {
  const clock = () => {
    let t = 1000;
    return () => t++;
  };

  it('records steps with attempts, and the reason of a failure: the message and the first stderr line of the attempt', () => {
    const r = new RunRecorder(clock());
    r.planned([
      { action: 'exec', actionId: 'a1' },
      { action: 'backup', actionId: null },
    ]);
    assert.deepEqual(r.steps.map((s) => s.status), ['queued', 'queued']);
    r.attemptStarted(0, 'exec', 'a1', 1);
    r.output('stderr', 'first attempt error');
    r.attemptEnded(0, 'fail', 'the command exited with status 3');
    r.attemptStarted(0, 'exec', 'a1', 2);
    r.output('stdout', 'working');
    r.output('stderr', '   ');
    r.output('stderr', 'disk quota exceeded');
    r.output('stderr', 'second line');
    r.attemptEnded(0, 'fail', 'the command exited with status 3');
    r.skipped(1, 'backup', null, 'an earlier action did not succeed');
    const [exec, backup] = r.steps;
    assert.equal(exec.attempts, 2);
    assert.equal(exec.status, 'fail');
    assert.equal(exec.reason, 'the command exited with status 3: disk quota exceeded');
    assert.equal(exec.started_at, 1000, 'the step started with its first attempt');
    assert.equal(backup.status, 'skipped');
    const final = r.final('fail');
    assert.equal(final.status, 'fail');
    assert.equal(final.reason, 'action 0 (exec): the command exited with status 3: disk quota exceeded');
    assert.ok((final.log_tail as string[]).includes('action 0 (exec) attempt 1 failed: the command exited with status 3: first attempt error'));
  });

  it('success has no reason; a refusal is the reason of the whole run', () => {
    const ok = new RunRecorder(clock());
    ok.attemptStarted(0, 'exec', null, 1);
    ok.attemptEnded(0, 'success', null);
    assert.equal(ok.final('success').reason, null);
    const refused = new RunRecorder(clock());
    refused.refused('action 0 (exec) refused: path outside allowed_paths');
    assert.equal(refused.final('fail').reason, 'action 0 (exec) refused: path outside allowed_paths');
  });

  it('keeps the last 50 lines of output, each cut to 1,000 characters', () => {
    const r = new RunRecorder(clock());
    for (let i = 0; i < 120; i++) r.output('stdout', `line ${i}`);
    r.output('stdout', 'x'.repeat(5000));
    const tail = r.report().log_tail as string[];
    assert.equal(tail.length, LOG_TAIL_LINES);
    assert.equal(tail[0], 'line 71');
    assert.equal(tail[tail.length - 1].length, LOG_LINE_CHARS);
  });

  it('adds up the backups produced and their stored bytes, and maps progress to the runs API shape', () => {
    const r = new RunRecorder(clock());
    r.backup({ backup_name: 'b', container: '/srv', storage: 'local', hostname: 'h', curr_backup_level: 0, time_stamp: 5, permafrost: { stored_bytes: 100 } });
    r.backup({ backup_name: 'b', container: '/srv', storage: 'local', hostname: 'h', curr_backup_level: 1, time_stamp: 6, permafrost: { stored_bytes: 20 } });
    const progress = r.progress({
      phase: 'backup', bytes_done: 50, files_done: 2, bytes_total: 200, files_total: 8, bytes_per_s: 10, eta_s: 15, stored_bytes: 30, started_at: 0, updated_at: 1,
    });
    assert.deepEqual(progress, { phase: 'backup', bytes_done: 50, bytes_total: 200, files_done: 2, files_total: 8, rate: 10, eta: 15, pct_complete: 25 });
    const report = r.report();
    assert.equal(report.stored_bytes, 120);
    assert.deepEqual((report.backups as Array<Record<string, unknown>>).map((b) => b.level), [0, 1]);
    assert.deepEqual(report.progress, progress);
    const unknown = r.progress({ phase: 'restore', bytes_done: 1, files_done: 0, bytes_total: null, files_total: null, bytes_per_s: 0, eta_s: null, stored_bytes: 0, started_at: 0, updated_at: 0 });
    assert.equal(unknown.pct_complete, null);
  });

  it('reports only what changed since the last report (progress always), and everything again after resend()', () => {
    const r = new RunRecorder(clock());
    r.planned([{ action: 'backup', actionId: null }]);
    const first = r.changes();
    assert.deepEqual(Object.keys(first).sort(), ['backups', 'log_tail', 'progress', 'steps', 'stored_bytes']);
    assert.equal(first.progress, null, 'no snapshot yet: the report is still a heartbeat');
    const snapshot = { phase: 'backup' as const, bytes_done: 1, files_done: 0, bytes_total: 4, files_total: 1, bytes_per_s: 1, eta_s: 3, stored_bytes: 0, started_at: 0, updated_at: 0 };
    r.progress(snapshot);
    assert.deepEqual(Object.keys(r.changes()), ['progress'], 'steady state: progress only');
    r.progress({ ...snapshot, bytes_done: 2 });
    r.output('stdout', 'a line');
    const next = r.changes();
    assert.deepEqual(Object.keys(next).sort(), ['log_tail', 'progress']);
    assert.deepEqual(next.log_tail, ['a line']);
    assert.equal((next.progress as { bytes_done: number }).bytes_done, 2);
    r.resend();
    assert.deepEqual(r.changes(), r.report(), 'after a loss, the whole report');
    assert.deepEqual(Object.keys(r.changes()), ['progress']);
  });
});
