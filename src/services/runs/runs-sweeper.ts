import type { Logger } from 'pino';
import { DAY_S, sweepDecision } from './sweep-decision';
import type { ClientLastSeen } from './client-last-seen';
import type { RunsService } from './runs-service';

/** Runs looked at per pass, and runs deleted per statement: small, so no pass holds the database long. */
export const SWEEP_BATCH = 500;
const PRUNE_BATCH = 200;
/**
 * Most runs one pass deletes, with a pause between batches: a backlog (a lowered keep_days) is
 * worked off over several passes instead of one long burst of writes beside the requests.
 */
const PRUNE_PER_PASS = 5000;
const PRUNE_PAUSE_MS = 20;

/**
 * The background loop of run records: closes runs nobody reports on (agent lost, queued too
 * long) and prunes old runs (runs.keep_days) and runs beyond runs.keep_per_job, in small
 * batches, one pass at a time, never in a request's path. Every process may run one: closing is
 * a compare-and-set on the run's last write, so two sweepers cannot close a run twice.
 */
export class RunsSweeper {
  private timer: NodeJS.Timeout | null = null;
  private pass: Promise<void> | null = null;

  constructor(
    private readonly runs: RunsService,
    private readonly lastSeen: ClientLastSeen,
    private readonly log: Pick<Logger, 'warn'> | null = null,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.runs.settings.sweep_interval * 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.pass;
    // Progress held in memory is written before the store closes.
    await this.runs.flushProgress().catch((err: unknown) => this.log?.warn({ err }, 'runs: cannot write the last progress reports'));
  }

  /** One pass (tests call it directly). */
  async sweepOnce(): Promise<{ closed: number; pruned: number }> {
    const s = this.runs.settings;
    const repo = this.runs.repository();
    await this.runs.flushProgress();
    const now = this.runs.now();
    let closed = 0;
    const idle = await repo.openIdleSince(now - Math.min(s.agent_lost_after, s.queue_timeout), SWEEP_BATCH);
    for (const { owner, doc } of idle) {
      const seen = this.lastSeen.lastSeen(owner.userId, String(doc.client_id));
      const reason = sweepDecision(doc, now, s, Math.max(seen ?? 0, this.lastSeen.startedAt));
      if (reason && (await this.runs.closeStale(owner, String(doc.run_id), doc.updated_at as number, reason))) closed++;
    }
    let pruned = 0;
    const paced = async (batch: () => Promise<number>): Promise<boolean> => {
      for (;;) {
        if (pruned >= PRUNE_PER_PASS) return false;
        const n = await batch();
        pruned += n;
        if (n < PRUNE_BATCH) return true;
        await new Promise((r) => setTimeout(r, PRUNE_PAUSE_MS));
      }
    };
    await paced(() => repo.pruneOlderThan(now - s.keep_days * DAY_S, PRUNE_BATCH));
    for (const jobId of [...this.runs.touchedJobs]) {
      // A job left unfinished stays in the set for the next pass.
      if (await paced(() => repo.pruneJobBeyond(jobId, s.keep_per_job, PRUNE_BATCH))) this.runs.touchedJobs.delete(jobId);
      else break;
    }
    return { closed, pruned };
  }

  private async tick(): Promise<void> {
    if (this.pass) return;
    this.pass = this.sweepOnce()
      .then(() => undefined)
      .catch((err: unknown) => this.log?.warn({ err }, 'runs: the sweep failed; it runs again at the next interval'))
      .finally(() => (this.pass = null));
    await this.pass;
  }
}
