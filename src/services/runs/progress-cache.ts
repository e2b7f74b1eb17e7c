import type { Doc, Owner, Scope } from '../../store/types';

/** A run's progress is written to the database at most this often (seconds) per process. */
export const PROGRESS_WRITE_EVERY_S = 10;

interface Entry {
  /** Who wrote it: a later report is answered from the cache only for the same scope. */
  scopeKey: string;
  owner: Owner;
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
 * when the same caller wrote the run less than PROGRESS_WRITE_EVERY_S ago; the next report after
 * that, or the sweep's flush, writes it. Reads in this process see the cached run; other
 * processes see it at most that many seconds late (well within runs.agent_lost_after, as the
 * heartbeat `updated_at` is written with it).
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
      owner: { userId: String(doc.user_id), projectId: (doc.project_id as string | null) ?? null },
      doc,
      writtenAt: now,
      dirty: false,
    });
  }

  /** Takes a progress-only report without a write; null when it must go to the database. */
  absorb(scope: Scope, runId: string, progress: Doc | null, now: number): Doc | null {
    const e = this.entries.get(runId);
    if (!e || e.scopeKey !== scopeKey(scope) || now - e.writtenAt >= PROGRESS_WRITE_EVERY_S) return null;
    e.doc = { ...e.doc, progress, updated_at: now };
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

  /** The unwritten reports, for the sweep to write. */
  dirty(): Array<{ owner: Owner; doc: Doc }> {
    return [...this.entries.values()].filter((e) => e.dirty).map((e) => ({ owner: e.owner, doc: e.doc }));
  }

  get size(): number {
    return this.entries.size;
  }
}

function scopeKey(scope: Scope): string {
  return JSON.stringify([scope.userId, scope.projectId, scope.clientId ?? null, scope.projects ?? null]);
}
