/**
 * Runs `work` every `intervalMs`, and at once when poked (after a local write), never twice at a
 * time: a poke during a pass runs one more pass right after it. The events tail and the webhook
 * delivery loop are both this: a store read that is due on a timer and sooner when we know.
 */
export class PokedLoop {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = true;

  constructor(
    private readonly work: () => Promise<void>,
    private readonly intervalMs: number,
  ) {}

  /** Starts the timer; with `now`, the first pass runs at once. */
  start(now: boolean): void {
    this.stopped = false;
    if (now) this.poke();
    else this.schedule();
  }

  /** Stops the timer and waits for a pass under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  poke(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.running = this.work().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        this.poke();
      } else this.schedule();
    });
  }

  private schedule(): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.poke();
    }, this.intervalMs);
    this.timer.unref();
  }
}
