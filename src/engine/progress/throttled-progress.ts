import type { EngineContext } from '../engine-context';
import { ProgressMeter, type ProgressSnapshot } from './progress-meter';

const EVERY_MS = 500;

/** A ProgressMeter whose snapshots reach the caller at most every EVERY_MS, and once at the end. */
export class ThrottledProgress {
  readonly meter: ProgressMeter;
  private last = 0;

  constructor(phase: ProgressSnapshot['phase'], private readonly ctx: EngineContext) {
    this.meter = new ProgressMeter(phase, ctx.now);
  }

  update(counters: { bytes?: number; files?: number; stored?: number }): void {
    this.meter.update(counters);
    const now = (this.ctx.now ?? Date.now)();
    if (now - this.last < EVERY_MS) return;
    this.last = now;
    this.ctx.progress?.(this.meter.snapshot());
  }

  finish(): ProgressSnapshot {
    this.meter.finish();
    const snapshot = this.meter.snapshot();
    this.ctx.progress?.(snapshot);
    return snapshot;
  }
}
