import type { Doc } from '../../store/types';
import type { RunsSettings } from './runs-service';

export const DAY_S = 24 * 3600;

/**
 * Whether the sweep closes an open run, and with which reason (contract 5), or null:
 *  - queued for longer than runs.queue_timeout: no agent started it;
 *  - running, opened by an agent (not derived), no write for runs.agent_lost_after;
 *  - running and derived (the stock scheduler writes nothing during a run): its client has not
 *    polled for runs.agent_lost_after (`clientSeenAt`, never earlier than the process start).
 */
export function sweepDecision(doc: Doc, now: number, s: Pick<RunsSettings, 'agent_lost_after' | 'queue_timeout'>, clientSeenAt: number): string | null {
  const lost = `agent lost (no report for ${s.agent_lost_after} s)`;
  if (doc.status === 'queued') {
    return now - (doc.created_at as number) >= s.queue_timeout ? `no agent started it within ${s.queue_timeout} s` : null;
  }
  if (doc.status !== 'running') return null;
  if (doc.derived === true) return now - Math.max(clientSeenAt, doc.updated_at as number) >= s.agent_lost_after ? lost : null;
  return now - (doc.updated_at as number) >= s.agent_lost_after ? lost : null;
}
