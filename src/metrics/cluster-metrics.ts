import cluster from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';

/**
 * With `--workers N` a scrape reaches one worker, but must show the whole server. The worker that
 * answers asks the primary, which gathers every worker's process registry (prom-client's
 * AggregatorRegistry: counters and histograms are summed, gauges as each declares) and sends the
 * text back. Values read from the store are the same in every worker, so the answering worker
 * adds its own reading of those (StoreCollectors) instead of summing N copies.
 */
const REQUEST = 'permafrost:cluster-metrics';
const REPLY = 'permafrost:cluster-metrics-reply';
const TIMEOUT_MS = 8000;

interface Reply {
  type: typeof REPLY;
  id: number;
  text?: string;
  error?: string;
}

/** In the primary: answers the workers' requests for the aggregated metrics. */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: { type?: unknown; id?: unknown }) => {
    if (message?.type !== REQUEST || typeof message.id !== 'number') return;
    const id = message.id;
    aggregator.clusterMetrics().then(
      (text) => worker.isConnected() && worker.send({ type: REPLY, id, text }),
      (err: Error) => worker.isConnected() && worker.send({ type: REPLY, id, error: err.message }),
    );
  });
}

/** In a worker: lets the primary read `registry`, and returns how to ask for the whole server's metrics. */
export function joinClusterMetrics(registry: Registry): () => Promise<string> {
  AggregatorRegistry.setRegistries([registry]);
  // Constructing one installs prom-client's worker-side listener (it answers the primary).
  new AggregatorRegistry();
  let next = 0;
  return () =>
    new Promise<string>((resolve, reject) => {
      const id = next++;
      const onMessage = (message: Reply) => {
        if (message?.type !== REPLY || message.id !== id) return;
        done();
        if (message.error !== undefined || message.text === undefined) reject(new Error(`cluster metrics: ${message.error ?? 'no answer'}`));
        else resolve(message.text);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error('cluster metrics: the primary did not answer in time'));
      }, TIMEOUT_MS);
      const done = () => {
        clearTimeout(timer);
        process.off('message', onMessage);
      };
      process.on('message', onMessage);
      process.send?.({ type: REQUEST, id });
    });
}
