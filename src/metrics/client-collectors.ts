import type { Store } from '../store/types';
import type { StoreGaugeFamily } from './store-collectors';

/**
 * permafrost_client_last_seen_timestamp_seconds: when each scheduler client's agent last polled
 * its jobs or waited on its change channel, from the freshness records (written at most every
 * few seconds per client, so the figure is that fresh). Clients never seen polling are not listed.
 *
 * Cardinality: one series per seen client, capped (StoreCollectors); the longest silent come
 * first, so those an operator alerts on are the ones kept.
 */
export function clientLastSeenFamily(store: Store): StoreGaugeFamily {
  return {
    name: 'permafrost_client_last_seen_timestamp_seconds',
    help: "When a scheduler client's agent last polled its jobs (epoch seconds)",
    labelNames: ['project_id', 'client_id'],
    perObject: true,
    async collect(emit) {
      const found: Array<{ labels: Record<string, string>; at: number }> = [];
      for await (const c of store.freshness().scanSeenClients()) {
        if (c.last_seen_at === null) continue;
        found.push({ labels: { project_id: c.project_id ?? '', client_id: c.client_id }, at: c.last_seen_at });
      }
      found.sort((a, b) => a.at - b.at);
      for (const { labels, at } of found) emit(labels, at);
    },
  };
}
