/**
 * The seam between what happens (runs start and end, jobs go stale, clients fall silent) and who
 * hears of it (the per-project server-sent-events stream, webhooks). Producers only call emit();
 * the events service stores, streams and delivers.
 */
export type EventType = 'run.started' | 'run.succeeded' | 'run.failed' | 'run.aborted' | 'job.stale' | 'client.silent';

export const EVENT_TYPES: readonly EventType[] = ['run.started', 'run.succeeded', 'run.failed', 'run.aborted', 'job.stale', 'client.silent'];

/** Whose event it is: the tenant scope of the document it is about (project null: a v1 document). */
export interface EventOwner {
  projectId: string | null;
  userId: string;
}

export interface EventSink {
  /** Records the event; resolves once it is stored (delivery to streams and webhooks follows). */
  emit(owner: EventOwner, type: EventType, data: Record<string, unknown>): Promise<void>;
}

/** Until the events service is wired in, and for tests of producers. */
export const NO_EVENTS: EventSink = { emit: async () => undefined };
