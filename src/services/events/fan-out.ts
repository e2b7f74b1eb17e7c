import type { EventSink } from './event-sink';

/**
 * One sink that hands every event to several (the events service, the freshness tracker, ...).
 * Each sink hears every event even when another fails; the emit rejects afterwards with the
 * first failure, so a producer sees a sink in trouble without silencing the others.
 */
export function fanOut(...sinks: EventSink[]): EventSink {
  return {
    async emit(owner, type, data) {
      const outcomes = await Promise.allSettled(sinks.map((sink) => sink.emit(owner, type, data)));
      const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}
