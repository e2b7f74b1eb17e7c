import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue, type Registry } from 'prom-client';

type MetricJson = MetricObjectWithValues<MetricValue<string>>;

/**
 * With `--workers N` a scrape reaches one worker, but must show the whole server. The worker that
 * answers asks the primary, which asks every worker that has joined for its process registry as
 * JSON and merges them with prom-client's AggregatorRegistry.aggregate (counters and histograms
 * summed, gauges as each declares), then sends the text back. A worker that does not answer in
 * time is left out (permafrost_api_processes then says how many were counted) rather than failing
 * the scrape. Values read from the store are the same in every worker, so the answering worker
 * adds its own reading of those (StoreCollectors) instead of summing N copies.
 */
const JOIN = 'permafrost:metrics-join';
const ASK_SERVER = 'permafrost:metrics-server';
const SERVER_TEXT = 'permafrost:metrics-server-text';
const ASK_WORKER = 'permafrost:metrics-worker';
const WORKER_JSON = 'permafrost:metrics-worker-json';
const WORKER_TIMEOUT_MS = 3000;
const SERVER_TIMEOUT_MS = 5000;

interface Message {
  type?: string;
  id?: number;
  text?: string;
  metrics?: MetricJson[];
  error?: string;
}

/** In the primary: answers the workers' requests for the whole server's metrics. */
export function serveClusterMetrics(): void {
  const joined = new Set<Worker>();
  const pending = new Map<number, (m: Message | null) => void>();
  let next = 0;
  cluster.on('exit', (worker) => joined.delete(worker));
  cluster.on('message', (worker, message: Message) => {
    if (message?.type === JOIN) joined.add(worker);
    else if (message?.type === WORKER_JSON && typeof message.id === 'number') pending.get(message.id)?.(message);
    else if (message?.type === ASK_SERVER && typeof message.id === 'number') {
      const id = message.id;
      gather().then(
        (text) => worker.isConnected() && worker.send({ type: SERVER_TEXT, id, text }),
        (err: Error) => worker.isConnected() && worker.send({ type: SERVER_TEXT, id, error: err.message }),
      );
    }
  });

  const ask = (worker: Worker): Promise<MetricJson[] | null> =>
    new Promise((resolve) => {
      const id = next++;
      const timer = setTimeout(() => settle(null), WORKER_TIMEOUT_MS);
      const settle = (m: Message | null) => {
        clearTimeout(timer);
        pending.delete(id);
        resolve(m?.metrics ?? null);
      };
      pending.set(id, settle);
      if (worker.isConnected()) worker.send({ type: ASK_WORKER, id });
      else settle(null);
    });

  async function gather(): Promise<string> {
    const answers = await Promise.all([...joined].map(ask));
    return AggregatorRegistry.aggregate(answers.filter((a): a is MetricJson[] => a !== null)).metrics();
  }
}

/** In a worker: lets the primary read `registry`, and returns how to ask for the whole server's metrics. */
export function joinClusterMetrics(registry: Registry): () => Promise<string> {
  const waiting = new Map<number, (m: Message) => void>();
  let next = 0;
  process.on('message', (message: Message) => {
    if (message?.type === ASK_WORKER) {
      const id = message.id;
      registry.getMetricsAsJSON().then((metrics) => process.send?.({ type: WORKER_JSON, id, metrics }));
    } else if (message?.type === SERVER_TEXT && typeof message.id === 'number') waiting.get(message.id)?.(message);
  });
  process.send?.({ type: JOIN });
  return () =>
    new Promise<string>((resolve, reject) => {
      const id = next++;
      const timer = setTimeout(() => settle({ error: 'the primary did not answer in time' }), SERVER_TIMEOUT_MS);
      const settle = (m: Message) => {
        clearTimeout(timer);
        waiting.delete(id);
        if (typeof m.text === 'string') resolve(m.text);
        else reject(new Error(`cluster metrics: ${m.error ?? 'no answer'}`));
      };
      waiting.set(id, settle);
      process.send?.({ type: ASK_SERVER, id });
    });
}
