import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { runAdmin, runBackup, runRestore, type EngineContext, type EngineOutcome, type ProgressSnapshot } from '../../src/engine';

/** A context for engine runs in tests: as from a job, silent log, progress snapshots collected. */
export function engineContext(signal = new AbortController().signal): EngineContext & { snapshots: ProgressSnapshot[] } {
  const snapshots: ProgressSnapshot[] = [];
  return { surface: 'job', signal, log: pino({ level: 'silent' }), progress: (s) => snapshots.push(s), snapshots };
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `permafrost-${prefix}-`));
}

export const backup = (opts: Record<string, unknown>, ctx = engineContext()): Promise<EngineOutcome> => runBackup({ action: 'backup', ...opts }, ctx);
export const restore = (opts: Record<string, unknown>, ctx = engineContext()): Promise<EngineOutcome> => runRestore({ action: 'restore', ...opts }, ctx);
export const admin = (opts: Record<string, unknown>, ctx = engineContext()): Promise<EngineOutcome> => runAdmin({ action: 'admin', ...opts }, ctx);

/** The backup's on-storage coordinates from its result document. */
export function slotOf(outcome: EngineOutcome): { level: number; t0: number; ts: number } {
  const doc = outcome.metadata as { curr_backup_level: number; permafrost: { t0: number; ts: number } };
  return { level: doc.curr_backup_level, t0: doc.permafrost.t0, ts: doc.permafrost.ts };
}

/** Every file under `root`, relative, sorted (what a run left on a storage). */
export function filesUnder(root: string): string[] {
  if (!fs.existsSync(root)) return [];
  return (fs.readdirSync(root, { recursive: true }) as string[]).filter((p) => fs.statSync(path.join(root, p)).isFile()).sort();
}

let toolsChecked = false;

/** The compressors the engine tests use, installed by the project script when missing (zstd is not in a minimal Debian). */
export function ensureEngineTools(): void {
  if (toolsChecked) return;
  execFileSync('bash', [path.resolve(__dirname, '../../../scripts/debian-packages.sh'), 'zstd', 'bzip2', 'xz-utils', 'openssl'], { stdio: 'inherit', timeout: 600_000 });
  toolsChecked = true;
}
