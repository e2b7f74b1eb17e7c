import { chainsOf, chainsRootPath, parseChainDir, type Chain } from './chain';
import type { BackupStorage } from './storage/backup-storage';

export interface ChainsLocation {
  container: string;
  engine: string;
  hostname: string;
  backupName: string;
}

/**
 * The chains of `<hostname>_<backup_name>` from directory listings only (spec C.6, C.9): the
 * `metadata/` tree says what exists, the API is never asked. Junk names are skipped.
 */
export async function listChains(storage: BackupStorage, at: ChainsLocation): Promise<Chain[]> {
  const root = chainsRootPath(at.container, 'metadata', at.engine, at.hostname, at.backupName);
  const listing = new Map<number, string[]>();
  for (const name of await storage.list(root)) {
    const t0 = parseChainDir(name);
    if (t0 !== null) listing.set(t0, await storage.list(`${root}/${name}`));
  }
  return chainsOf(listing);
}
