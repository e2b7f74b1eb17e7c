import { checksumStore, type ContentSum } from './checksum-store';
import { COLLECTIONS, REGISTRIES, type Store } from './types';

export { checksumStore, type ContentSum } from './checksum-store';

/** Counts and checksums of both ends, equal name by name once a migration succeeded. */
export interface MigrationReport {
  source: ContentSum[];
  target: ContentSum[];
}

export type MigrationLog = (message: string) => void;

/**
 * Copies a whole deployment (every tenant collection with its owners, every identity registry)
 * from one started store to another, in insertion order so lists page the same afterwards, then
 * proves the copy by comparing counts and content checksums of both ends. The source must not
 * be written to meanwhile (stop the servers): a change shows up as a mismatch.
 */
export async function migrate(from: Store, to: Store, log: MigrationLog = () => undefined): Promise<MigrationReport> {
  await assertEmpty(to);
  for (const name of COLLECTIONS) log(`copied ${name}: ${await copyCollection(from, to, name)} documents`);
  for (const name of REGISTRIES) log(`copied ${name}: ${await copyRegistry(from, to, name)} records`);
  log(`copied runs: ${await copyRuns(from, to)} runs`);
  log('verifying counts and checksums');
  const [source, target] = await Promise.all([checksumStore(from), checksumStore(to)]);
  const problems = differences(source, target);
  if (problems.length > 0) throw new Error(`the copy differs from the source: ${problems.join('; ')}`);
  return { source, target };
}

/** A migration into a store with data would mix two deployments, and could not be verified. */
async function assertEmpty(store: Store): Promise<void> {
  for (const name of COLLECTIONS) {
    if (await hasAny(store.repo(name).scan())) {
      throw new Error(`the target is not empty (${name} has documents): migrate only into a new, empty database`);
    }
  }
  if (await hasAny(store.runs().scan())) {
    throw new Error('the target is not empty (runs has documents): migrate only into a new, empty database');
  }
  for (const name of REGISTRIES) {
    if ((await store.registry(name).list()).length > 0) {
      throw new Error(`the target is not empty (${name} has records): migrate only into a new, empty database`);
    }
  }
}

async function hasAny(items: AsyncIterable<unknown>): Promise<boolean> {
  // Leaving the loop at the first item closes the scan (and any cursor) behind it.
  for await (const item of items) return item !== undefined;
  return false;
}

async function copyCollection(from: Store, to: Store, name: (typeof COLLECTIONS)[number]): Promise<number> {
  const target = to.repo(name);
  let n = 0;
  // One at a time: the order of inserts is the list order in the target.
  for await (const { owner, item } of from.repo(name).scan()) {
    await target.insert({ userId: owner.userId, projectId: owner.projectId }, item);
    n += 1;
  }
  return n;
}

async function copyRuns(from: Store, to: Store): Promise<number> {
  let n = 0;
  for await (const { owner, doc } of from.runs().scan()) {
    await to.runs().insert({ userId: owner.userId, projectId: owner.projectId }, doc);
    n += 1;
  }
  return n;
}

async function copyRegistry(from: Store, to: Store, name: (typeof REGISTRIES)[number]): Promise<number> {
  const docs = await from.registry(name).list();
  for (const doc of docs) await to.registry(name).insert(doc);
  return docs.length;
}

function differences(source: ContentSum[], target: ContentSum[]): string[] {
  return source.flatMap((s, i) => {
    const t = target[i];
    if (s.count !== t.count) return [`${s.name}: ${s.count} documents in the source, ${t.count} in the target`];
    if (s.checksum !== t.checksum) return [`${s.name}: checksums differ (${s.checksum.slice(0, 12)}… vs ${t.checksum.slice(0, 12)}…)`];
    return [];
  });
}
