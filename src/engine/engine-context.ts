import type { Logger } from 'pino';
import type { ProgressSnapshot } from './progress/progress-meter';

/** What a backup, restore or admin run gets from its caller (the agent, or `permafrost action`). */
export interface EngineContext {
  signal: AbortSignal;
  log: Logger;
  /** Told the progress of a backup or restore, at most twice a second. */
  progress?: (snapshot: ProgressSnapshot) => void;
  now?: () => number;
}

/** How a run ended: the backup's result document (spec C.10) when one was made, and a summary. */
export interface EngineOutcome {
  metadata: Record<string, unknown> | null;
  message: string;
}
