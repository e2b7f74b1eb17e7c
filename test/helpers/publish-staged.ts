import fs from 'node:fs';
import { Staging, type BackupSlot } from '../../src/engine/staging';
import type { ChainsLocation } from '../../src/engine/storage-chains';
import type { CrashingStorage } from './crashing-storage';

/** A backup level made elsewhere (its files on this machine), to publish again into `at`. */
export interface StagedLevel {
  at: ChainsLocation;
  slot: BackupSlot;
  dataFile: string;
  snapshotFile: string;
  metadata: string;
}

/**
 * Stages the level through `storage` as a backup run does, then arms it and publishes: the
 * storage counts (and crashes at) only the calls publication makes.
 */
export async function publishStaged(storage: CrashingStorage, level: StagedLevel): Promise<void> {
  const staging = await Staging.create(storage, level.at);
  await storage.writeFile(`${staging.dataDir}/data`, fs.readFileSync(level.dataFile));
  await storage.writeFile(`${staging.dataDir}/engine_metadata`, fs.readFileSync(level.snapshotFile));
  storage.arm();
  await staging.publish(level.slot, level.metadata);
}
