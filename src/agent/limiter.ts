/** At most `slots` holders at once; the others wait in arrival order (concurrent_jobs, spec B.5). */
export class Limiter {
  private busy = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly slots: number) {}

  async acquire(): Promise<void> {
    if (this.busy < this.slots) {
      this.busy++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  /** Hands the slot straight to the next waiter, if any. */
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.busy--;
  }
}
