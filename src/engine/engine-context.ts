import type { Logger } from 'pino';
import type { OptionSurface } from './options/option-names';
import type { ProgressSnapshot } from './progress/progress-meter';

/** What a backup, restore or admin run gets from its caller (the agent, or `permafrost action`). */
export interface EngineContext {
  /**
   * Where the options come from, so that a message names the setting as its reader writes it:
   * `--overwrite` on the `permafrost action` command line, `overwrite: true` in a job's freezer_action.
   */
  surface: OptionSurface;
  signal: AbortSignal;
  log: Logger;
  /** Told the progress of a backup or restore, at most twice a second. */
  progress?: (snapshot: ProgressSnapshot) => void;
  now?: () => number;
  /**
   * The run comes from a job the agent confines with `allowed_paths`: a restore then refuses
   * setuid and setgid files and device nodes, which would hand a job author the agent's
   * privileges (an agent running as root would create a root shell anyone can run).
   */
  confined?: boolean;
}

/** How a run ended: the backup's result document (spec C.10) when one was made, and a summary. */
export interface EngineOutcome {
  metadata: Record<string, unknown> | null;
  message: string;
}
