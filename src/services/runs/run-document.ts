import { isObject } from '../common';
import type { Doc } from '../../store/types';

/** How much of an agent's output a run keeps (contract 1): the last lines, each cut short. */
export const LOG_TAIL_LINES = 50;
export const LOG_LINE_CHARS = 1000;

export type Trigger = 'schedule' | 'run-now' | 'session' | 'event';
export const TERMINAL = new Set(['success', 'fail', 'aborted', 'skipped']);

/** Who asked for something (run-now, cancel). */
export interface RunActor {
  user_id: string;
  user_name: string | null;
}

/** A new run with every field of contract 1 present, in the documented order. */
export function newRunDocument(fields: {
  runId: string;
  job: Doc;
  trigger: Trigger;
  status: string;
  now: number;
  derived: boolean;
  sessionId?: string | null;
  agent?: Doc | null;
  requestedBy?: RunActor | null;
}): Doc {
  const { job, now } = fields;
  const jobSession = typeof job.session_id === 'string' && job.session_id !== '' ? job.session_id : null;
  return {
    run_id: fields.runId,
    job_id: String(job.job_id),
    client_id: typeof job.client_id === 'string' ? job.client_id : '',
    project_id: typeof job.project_id === 'string' ? job.project_id : null,
    user_id: String(job.user_id),
    session_id: fields.sessionId ?? jobSession,
    trigger: fields.trigger,
    status: fields.status,
    reason: null,
    created_at: now,
    started_at: null,
    ended_at: null,
    duration: null,
    steps: [],
    progress: null,
    log_tail: [],
    backups: [],
    stored_bytes: null,
    agent: fields.agent ?? null,
    derived: fields.derived,
    requested_by: fields.requestedBy ?? null,
    cancelled_by: null,
    updated_at: now,
  };
}

/** The last LOG_TAIL_LINES lines, each cut to LOG_LINE_CHARS characters. */
export function capLogTail(lines: unknown[]): string[] {
  return lines.slice(-LOG_TAIL_LINES).map((l) => String(l).slice(0, LOG_LINE_CHARS));
}

/** A step as stored: every field present. */
export function normaliseStep(step: Doc): Doc {
  return {
    action: String(step.action),
    action_id: typeof step.action_id === 'string' ? step.action_id : null,
    status: String(step.status),
    attempts: typeof step.attempts === 'number' ? step.attempts : 1,
    reason: typeof step.reason === 'string' ? step.reason.slice(0, LOG_LINE_CHARS) : null,
    started_at: typeof step.started_at === 'number' ? step.started_at : null,
    ended_at: typeof step.ended_at === 'number' ? step.ended_at : null,
  };
}

/** Progress as stored: every field present (null when unknown). */
export function normaliseProgress(p: unknown): Doc | null {
  if (!isObject(p)) return null;
  const num = (v: unknown) => (typeof v === 'number' ? v : null);
  return {
    phase: String(p.phase),
    bytes_done: num(p.bytes_done) ?? 0,
    bytes_total: num(p.bytes_total),
    files_done: num(p.files_done) ?? 0,
    files_total: num(p.files_total),
    rate: num(p.rate) ?? 0,
    eta: num(p.eta),
    pct_complete: num(p.pct_complete),
  };
}

/** The reason a run ends with when its writer gave none (contract 1: null only for success). */
export function defaultReason(doc: Doc): string | null {
  switch (doc.status) {
    case 'success':
    case 'queued':
    case 'running':
      return null;
    case 'aborted': {
      const by = doc.cancelled_by as RunActor | null;
      return by ? `cancelled by ${by.user_name ?? by.user_id}` : 'aborted';
    }
    case 'skipped':
      return 'skipped';
    default:
      return 'the agent reported fail without a reason';
  }
}

/** Ends a run: status, reason, ended_at and duration. */
export function endRun(doc: Doc, status: string, reason: string | null, now: number, endedAt?: number): Doc {
  doc.status = status;
  doc.ended_at = endedAt ?? now;
  if (typeof doc.started_at === 'number') doc.duration = Math.max(0, Math.round(((doc.ended_at as number) - doc.started_at) * 1000) / 1000);
  doc.reason = status === 'success' ? null : (reason ?? defaultReason(doc));
  if (status !== 'success' && doc.reason === null) doc.reason = defaultReason(doc);
  doc.updated_at = now;
  return doc;
}
