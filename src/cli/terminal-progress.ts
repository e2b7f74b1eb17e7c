import { MultiBar, type SingleBar } from 'cli-progress';
import type { ProgressSnapshot } from '../engine';
import { iecBytes } from '../human-units';

/**
 * Progress bars on a terminal, one per run in flight (`permafrost action`, or the agent's jobs):
 * percent of the estimated bytes, bytes (KiB, MiB, GiB: powers of 1024) and files done, rate and
 * ETA. A run's bar stays, complete, when its final snapshot arrives. Does nothing when the stream
 * is not a terminal.
 */
export class TerminalProgress {
  private multi: MultiBar | null = null;
  private readonly bars = new Map<string, SingleBar>();

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  get enabled(): boolean {
    return this.stream.isTTY === true;
  }

  /** `key` names the run in front of its bar ('' for none, else e.g. 'job 1a2b3c4d '). */
  update(key: string, s: ProgressSnapshot): void {
    if (!this.enabled) return;
    this.multi ??= new MultiBar({
      stream: this.stream,
      format: '{key}{phase} [{bar}] {percentage}% | {done} | {files} files | {rate} | ETA {left}',
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
    });
    const total = Math.max(s.bytes_total ?? 0, s.bytes_done, 1);
    const payload = {
      key,
      phase: s.phase,
      done: iecBytes(s.bytes_done),
      files: s.files_done,
      rate: `${iecBytes(s.bytes_per_s)}/s`,
      left: s.eta_s === null ? '?' : `${s.eta_s}s`,
    };
    let bar = this.bars.get(key);
    if (!bar) {
      bar = this.multi.create(total, s.bytes_done, payload);
      this.bars.set(key, bar);
    } else {
      bar.setTotal(total);
      bar.update(s.bytes_done, payload);
    }
    if (s.eta_s === 0 && s.bytes_total !== null && s.bytes_done >= s.bytes_total) this.done(key);
  }

  /** The run is over: its bar is drawn one last time and no longer updated. */
  done(key: string): void {
    const bar = this.bars.get(key);
    if (!bar || !this.multi) return;
    this.bars.delete(key);
    this.multi.update();
    bar.stop();
    if (this.bars.size === 0) {
      this.multi.stop();
      this.multi = null;
    }
  }

  stop(): void {
    for (const key of [...this.bars.keys()]) this.done(key);
  }
}
