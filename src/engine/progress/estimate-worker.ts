/** Worker thread entry of estimateTree: walks the tree given in workerData and posts the totals. */
import { parentPort, workerData } from 'node:worker_threads';
import { walkTree } from './walk-tree';

const { root, sinceS } = workerData as { root: string; sinceS: number | null };
parentPort?.postMessage(walkTree(root, sinceS));
