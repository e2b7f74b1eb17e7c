import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { TreeEstimate } from './walk-tree';

export type { TreeEstimate } from './walk-tree';

/**
 * The worker's own code, set by the agent bundle's build (scripts/bundle-agent.mjs, esbuild
 * `define`): a single bundled file has no estimate-worker.js beside it. Undefined everywhere else.
 */
declare const PERMAFROST_BUNDLED_ESTIMATE_WORKER: string | undefined;

function startWorker(workerData: { root: string; sinceS: number | null }): Worker {
  if (typeof PERMAFROST_BUNDLED_ESTIMATE_WORKER === 'string') return new Worker(PERMAFROST_BUNDLED_ESTIMATE_WORKER, { eval: true, workerData });
  return new Worker(path.join(__dirname, 'estimate-worker.js'), { workerData });
}

/**
 * walkTree in a worker thread, so tens of thousands of lstat calls neither block the event loop
 * (which moves the backup stream) nor pay the promise overhead of async fs. Ends early, with
 * null, when `signal` aborts.
 */
export function estimateTree(root: string, sinceS: number | null, signal: AbortSignal): Promise<TreeEstimate | null> {
  return new Promise((resolve, reject) => {
    const worker = startWorker({ root, sinceS });
    const stop = () => void worker.terminate().then(() => resolve(null));
    signal.addEventListener('abort', stop, { once: true });
    worker.once('message', (estimate: TreeEstimate) => resolve(estimate));
    worker.once('error', reject);
    worker.once('exit', () => {
      signal.removeEventListener('abort', stop);
      resolve(null);
    });
  });
}
