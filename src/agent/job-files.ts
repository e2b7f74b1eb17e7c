import type { Stats } from 'node:fs';

/**
 * Why a job file (or the directory of job files) must not be trusted, or null: like ssh's
 * StrictModes, it must belong to the agent's user or root and be writable by no one else, since
 * whoever can write it decides what the agent runs.
 */
export function untrustedJobFile(what: string, st: Pick<Stats, 'uid' | 'mode'>, uid = process.getuid?.() ?? 0): string | null {
  if (st.uid !== uid && st.uid !== 0) return `${what} belongs to uid ${st.uid}, not to the agent's user (uid ${uid}) or root`;
  if ((st.mode & 0o022) !== 0) return `${what} is writable by other users (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}): chmod go-w it`;
  return null;
}
