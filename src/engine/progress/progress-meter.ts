/** What a run in flight reports (job_schedule.progress, the terminal bar). */
export interface ProgressSnapshot {
  phase: 'backup' | 'restore';
  bytes_done: number;
  files_done: number;
  /** Estimates; null until known. */
  bytes_total: number | null;
  files_total: number | null;
  /** Bytes per second over the last few seconds. */
  bytes_per_s: number;
  /** Seconds left at that rate; null when unknown. */
  eta_s: number | null;
  /** Bytes written to (backup) or read from (restore) the storage. */
  stored_bytes: number;
  started_at: number;
  updated_at: number;
}

const WINDOW_MS = 5000;
const SAMPLE_MS = 100;

/**
 * Turns counters into a snapshot with a rate over a sliding window (a whole-run average would lag
 * behind a slow start, an instant rate would jump; see snapshot() for bursts) and an ETA from the
 * estimated totals. The
 * totals are estimates: when the work done passes them, the ETA is unknown rather than negative.
 */
export class ProgressMeter {
  private bytes = 0;
  private files = 0;
  private stored = 0;
  private bytesTotal: number | null = null;
  private filesTotal: number | null = null;
  private readonly samples: Array<{ at: number; bytes: number }> = [];
  private readonly startedAt: number;

  constructor(private readonly phase: ProgressSnapshot['phase'], private readonly now: () => number = Date.now) {
    this.startedAt = now();
    this.samples.push({ at: this.startedAt, bytes: 0 });
  }

  setTotals(bytes: number | null, files: number | null): void {
    this.bytesTotal = bytes;
    this.filesTotal = files;
  }

  /** The run is over: what was done is the total. */
  finish(): void {
    this.bytesTotal = this.bytes;
    this.filesTotal = this.files;
  }

  update(counters: { bytes?: number; files?: number; stored?: number }): void {
    if (counters.bytes !== undefined) this.bytes = Math.max(this.bytes, counters.bytes);
    if (counters.files !== undefined) this.files = Math.max(this.files, counters.files);
    if (counters.stored !== undefined) this.stored = Math.max(this.stored, counters.stored);
    // Counters move tens of thousands of times a run; a sample every SAMPLE_MS is plenty for the rate.
    const at = this.now();
    if (at - this.samples[this.samples.length - 1].at < SAMPLE_MS) return;
    this.samples.push({ at, bytes: this.bytes });
    while (this.samples.length > 2 && at - this.samples[1].at >= WINDOW_MS) this.samples.shift();
  }

  snapshot(): ProgressSnapshot {
    const at = this.now();
    const first = this.samples[0];
    const elapsed = (at - first.at) / 1000;
    const windowRate = elapsed > 0 ? (this.bytes - first.bytes) / elapsed : 0;
    // Work can come in bursts longer than the window (xz compresses 24 MiB blocks while tar
    // waits): then the run's average says more than a window with no progress in it.
    const rate = windowRate > 0 ? windowRate : at > this.startedAt ? this.bytes / ((at - this.startedAt) / 1000) : 0;
    const left = this.bytesTotal === null ? null : this.bytesTotal - this.bytes;
    return {
      phase: this.phase,
      bytes_done: this.bytes,
      files_done: this.files,
      bytes_total: this.bytesTotal,
      files_total: this.filesTotal,
      bytes_per_s: Math.round(rate),
      eta_s: etaOf(left, rate),
      stored_bytes: this.stored,
      started_at: Math.floor(this.startedAt / 1000),
      updated_at: Math.floor(at / 1000),
    };
  }
}

function etaOf(left: number | null, rate: number): number | null {
  if (left === 0) return 0;
  if (left === null || left < 0 || rate <= 0) return null;
  return Math.ceil(left / rate);
}
