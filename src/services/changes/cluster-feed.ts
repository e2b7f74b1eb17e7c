import cluster from 'node:cluster';
import type { ChangeFeed } from './change-feed';

/**
 * With `--workers N` a job written in one worker must wake a waiter held by another. Each worker
 * sends the keys of its own writes to the primary, which passes them to every other worker: one
 * small IPC message per write, whatever the number of waiters.
 */
const CHANGED = 'permafrost:feed-changed';

interface Message {
  type?: string;
  keys?: unknown;
}

/** In the primary: relays each worker's changed keys to the other workers. */
export function serveClusterFeed(): void {
  cluster.on('message', (from, message: Message) => {
    if (message?.type !== CHANGED || !Array.isArray(message.keys)) return;
    for (const worker of Object.values(cluster.workers ?? {})) {
      if (worker && worker !== from && worker.isConnected()) worker.send({ type: CHANGED, keys: message.keys });
    }
  });
}

/** In a worker: sends this worker's changes to the primary and wakes local waiters on the others'. */
export function joinClusterFeed(feed: ChangeFeed): () => void {
  const onMessage = (message: Message) => {
    if (message?.type === CHANGED && Array.isArray(message.keys)) feed.wake(message.keys.filter((k): k is string => typeof k === 'string'));
  };
  process.on('message', onMessage);
  feed.connect((keys) => {
    if (process.connected) process.send?.({ type: CHANGED, keys });
  });
  return () => {
    process.off('message', onMessage);
    feed.connect(null);
  };
}
