import bytes from 'bytes';
import { SingleBar } from 'cli-progress';
import type { ProgressSnapshot } from '../engine';

/**
 * A progress bar on stderr for a backup or restore run from a terminal: percent of the estimated
 * bytes, bytes and files done, rate and ETA. Does nothing when stderr is not a terminal.
 */
export class TerminalProgress {
  private bar: SingleBar | null = null;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  update(s: ProgressSnapshot): void {
    if (!this.stream.isTTY) return;
    const total = Math.max(s.bytes_total ?? 0, s.bytes_done, 1);
    const payload = {
      phase: s.phase,
      done: bytes(s.bytes_done, { unitSeparator: ' ' }),
      files: s.files_done,
      rate: `${bytes(s.bytes_per_s, { unitSeparator: ' ' })}/s`,
      left: s.eta_s === null ? '?' : `${s.eta_s}s`,
    };
    if (!this.bar) {
      this.bar = new SingleBar({
        stream: this.stream,
        format: '{phase} [{bar}] {percentage}% | {done} | {files} files | {rate} | ETA {left}',
        hideCursor: true,
        clearOnComplete: false,
      });
      this.bar.start(total, s.bytes_done, payload);
      return;
    }
    this.bar.setTotal(total);
    this.bar.update(s.bytes_done, payload);
  }

  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}
