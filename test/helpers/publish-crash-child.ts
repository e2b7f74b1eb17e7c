import { LocalStorage } from '../../src/engine/storage/local-storage';
import { CrashingStorage } from './crashing-storage';
import { publishStaged, type StagedLevel } from './publish-staged';

/**
 * Run as a process (`node publish-crash-child.js <StagedLevel JSON> <N>`): publishes the level on
 * local storage, and SIGKILLs itself right after publication's N-th storage call (0: never; it
 * then prints the calls it made as JSON). A crash as real as it gets: no catch, no finally runs.
 */
async function main(): Promise<void> {
  const level = JSON.parse(process.argv[2]) as StagedLevel;
  const dieAfter = Number(process.argv[3]);
  const storage = new CrashingStorage(new LocalStorage(), dieAfter > 0 ? dieAfter : null, () => process.kill(process.pid, 'SIGKILL'));
  await publishStaged(storage, level);
  process.stdout.write(JSON.stringify(storage.calls));
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
