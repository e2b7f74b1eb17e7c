import assert from 'node:assert/strict';
import { ProgressMeter } from '../../../src/engine/progress/progress-meter';

describe('ProgressMeter (engine/progress/progress-meter.ts)', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => {
    now = 1_000_000;
  });

  it('computes the rate over the last seconds and the ETA from the estimated total', () => {
    const m = new ProgressMeter('backup', clock);
    m.setTotals(1000, 10);
    now += 1000;
    m.update({ bytes: 100, files: 1, stored: 50 });
    now += 1000;
    m.update({ bytes: 200, files: 2 });
    const s = m.snapshot();
    assert.equal(s.bytes_per_s, 100);
    assert.equal(s.eta_s, 8);
    assert.deepEqual([s.bytes_done, s.files_done, s.stored_bytes, s.bytes_total, s.files_total], [200, 2, 50, 1000, 10]);
    assert.equal(s.started_at, 1000);
  });

  it('forgets samples older than the window, so a slow start does not drag the rate', () => {
    const m = new ProgressMeter('restore', clock);
    for (let i = 1; i <= 10; i++) {
      now += 1000;
      m.update({ bytes: i <= 5 ? i : 5 + (i - 5) * 100 });
    }
    // Over the last ~5 s the rate is 100 B/s, not the whole-run average of ~50.
    assert.ok(m.snapshot().bytes_per_s >= 95, String(m.snapshot().bytes_per_s));
  });

  it('falls back to the run average when the window saw no progress (bursty work)', () => {
    const m = new ProgressMeter('backup', clock);
    now += 1000;
    m.update({ bytes: 1000 });
    for (let i = 0; i < 9; i++) {
      now += 1000;
      m.update({ files: i });
    }
    assert.equal(m.snapshot().bytes_per_s, 100);
  });

  it('has no ETA without a total, or once the estimate is passed; 0 when finished', () => {
    const m = new ProgressMeter('backup', clock);
    now += 1000;
    m.update({ bytes: 500 });
    assert.equal(m.snapshot().eta_s, null);
    m.setTotals(400, null);
    assert.equal(m.snapshot().eta_s, null);
    m.finish();
    assert.equal(m.snapshot().eta_s, 0);
    assert.equal(m.snapshot().bytes_total, 500);
  });

  it('never moves a counter backwards', () => {
    const m = new ProgressMeter('backup', clock);
    m.update({ bytes: 10, files: 3 });
    m.update({ bytes: 5, files: 1 });
    assert.deepEqual([m.snapshot().bytes_done, m.snapshot().files_done], [10, 3]);
  });
});
