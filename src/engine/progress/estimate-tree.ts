import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { TreeEstimate } from './walk-tree';

export type { TreeEstimate } from './walk-tree';

/**
 * walkTree in a worker thread, so tens of thousands of lstat calls neither block the event loop
 * (which moves the backup stream) nor pay the promise overhead of async fs. Ends early, with
 * null, when `signal` aborts.
 */
export function estimateTree(root: string, sinceS: number | null, signal: AbortSignal): Promise<TreeEstimate | null> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(path.join(__dirname, 'estimate-worker.js'), { workerData: { root, sinceS } });
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
