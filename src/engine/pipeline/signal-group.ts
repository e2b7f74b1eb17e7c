/**
 * Sends `signal` to the whole process group led by `pid` (each exec stage and each engine tool is
 * spawned detached, so it leads its own group and its children belong to it). Signal 0 only probes.
 *
 * Returns false once the group has no process left. EPERM means the group exists but is not ours
 * to signal (say a setuid child): it counts as alive, and there is nothing more to try.
 */
export function signalGroup(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
