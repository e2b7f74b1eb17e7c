/** The backup engine: fs backup, restore and admin actions (spec Part C). */
export type { EngineContext, EngineOutcome } from './engine-context';
export { EngineError } from './engine-error';
export type { ProgressSnapshot } from './progress/progress-meter';
export { runBackup } from './run-backup';
export { runRestore } from './run-restore';
export { runAdmin } from './run-admin';
export { KILL_GRACE_MS } from './pipeline/kill-grace';
export { signalGroup } from './pipeline/signal-group';
