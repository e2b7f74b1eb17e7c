import type { ProgressWrite } from '../../store/runs/runs-repository';
import type { Doc, Scope } from '../../store/types';

/**
 * A progress report on a run last written this long ago (seconds) is written at once; before
 * that, the sweep (every runs.sweep_interval, 10 s) writes all held reports in one go.
 */
export const PROGRESS_WRITE_AFTER_S = 20;

interface Entry {
  /** Who wrote it: a later report is answered from the cache only for the same scope. */
  scopeKey: string;
  /** The run as last reported (progress and updated_at may be newer than the database's). */
  doc: Doc;
  /** When the run was last written to the database. */
  writtenAt: number;
  /** Whether `doc` holds a report not yet written. */
  dirty: boolean;
}

/**
 * Progress reports (an agent sends one every ~2 s per running job) are the bulk of run writes.
 * A report that carries only `progress` is kept here and answered without touching the database
 * when the same caller wrote the run less than PROGRESS_WRITE_AFTER_S ago. The sweep's flush
 * writes every held report together (one transaction, not one per report); a report held past
 * PROGRESS_WRITE_AFTER_S (a slow sweep) is written by itself. Reads in this process see the
 * cached run; other processes see it a sweep interval late, at most PROGRESS_WRITE_AFTER_S
 * (well within runs.agent_lost_after, as the heartbeat `updated_at` is written with it).
 */
export class ProgressCache {
  private readonly entries = new Map<string, Entry>();

  /** Remembers a run just written (open runs only). */
  written(scope: Scope, doc: Doc, now: number): void {
    const status = doc.status;
    if (status !== 'running' && status !== 'queued') {
      this.entries.delete(String(doc.run_id));
      return;
    }
    this.entries.set(String(doc.run_id), {
      scopeKey: scopeKey(scope),
      doc: { ...doc },
      writtenAt: now,
      dirty: false,
    });
  }

  /** Takes a progress-only report without a write; null when it must go to the database. */
  absorb(scope: Scope, runId: string, progress: Doc | null, now: number): Doc | null {
    const e = this.entries.get(runId);
    if (!e || e.scopeKey !== scopeKey(scope) || now - e.writtenAt >= PROGRESS_WRITE_AFTER_S) return null;
    // In place: the entry's doc is this cache's own copy (written()).
    e.doc.progress = progress;
    e.doc.updated_at = now;
    e.dirty = true;
    return e.doc;
  }

  /** The run with its latest unwritten report, if any. */
  pending(runId: string): Doc | null {
    const e = this.entries.get(runId);
    return e?.dirty ? e.doc : null;
  }

  /** The last report seen for a run (written or not), for the agent-lost check. */
  lastReportAt(runId: string): number | null {
    const at = this.entries.get(runId)?.doc.updated_at;
    return typeof at === 'number' ? at : null;
  }

  forget(runId: string): void {
    this.entries.delete(runId);
  }

  /** The unwritten reports as they stand now, for the sweep to write. */
  dirty(): ProgressWrite[] {
    const out: ProgressWrite[] = [];
    for (const e of this.entries.values()) if (e.dirty) out.push({ runId: String(e.doc.run_id), progress: e.doc.progress, updatedAt: e.doc.updated_at as number });
    return out;
  }

  /** A report of dirty() was written (unless a newer one came meanwhile). */
  flushed(report: ProgressWrite, now: number): void {
    const e = this.entries.get(report.runId);
    if (!e) return;
    e.writtenAt = now;
    if (e.doc.updated_at === report.updatedAt) e.dirty = false;
  }

  get size(): number {
    return this.entries.size;
  }
}

/** Per scope object: a report stream sends every line with the same one. */
const scopeKeys = new WeakMap<Scope, string>();

function scopeKey(scope: Scope): string {
  let key = scopeKeys.get(scope);
  if (key === undefined) {
    key = JSON.stringify([scope.userId, scope.projectId, scope.clientId ?? null, scope.projects ?? null]);
    scopeKeys.set(scope, key);
  }
  return key;
}
