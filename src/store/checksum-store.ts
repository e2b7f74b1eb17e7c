import { createHash, type Hash } from 'node:crypto';
import { canonicalJson } from './canonical-json';
import { COLLECTIONS, REGISTRIES, type Store } from './types';

/** The document count and content checksum of one collection or registry. */
export interface ContentSum {
  name: string;
  kind: 'collection' | 'registry';
  count: number;
  /** sha256 (hex) over the canonical JSON of each record, in insertion order. */
  checksum: string;
}

/**
 * Counts and checksums every tenant collection and identity registry, in a fixed order, so two
 * deployments (or the two ends of a migration) can be compared line by line. Tenant records
 * include their owner and storage keys: a document copied to the wrong tenant does not match.
 */
export async function checksumStore(store: Store): Promise<ContentSum[]> {
  const sums: ContentSum[] = [];
  for (const name of COLLECTIONS) {
    const sum = new RunningSum();
    for await (const { owner, item } of store.repo(name).scan()) {
      sum.add({ owner: { userId: owner.userId, projectId: owner.projectId }, id: item.id, key: item.key, doc: item.doc });
    }
    sums.push(sum.result(name, 'collection'));
  }
  for (const name of REGISTRIES) {
    const sum = new RunningSum();
    for (const doc of await store.registry(name).list()) sum.add(doc);
    sums.push(sum.result(name, 'registry'));
  }
  // Run records, in (created_at, run_id) order on every engine.
  const runs = new RunningSum();
  for await (const { owner, doc } of store.runs().scan()) runs.add({ owner: { userId: owner.userId, projectId: owner.projectId }, doc });
  sums.push(runs.result('runs', 'collection'));
  return sums;
}

/** Hashes records as they stream by, so a large collection is never held in memory. */
class RunningSum {
  private readonly hash: Hash = createHash('sha256');
  private count = 0;

  add(record: unknown): void {
    // One record per line: JSON text never holds a raw newline, so records cannot run together.
    this.hash.update(`${canonicalJson(record)}\n`);
    this.count += 1;
  }

  result(name: string, kind: ContentSum['kind']): ContentSum {
    return { name, kind, count: this.count, checksum: this.hash.digest('hex') };
  }
}
