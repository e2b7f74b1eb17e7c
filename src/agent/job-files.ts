import type { Stats } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { JobDoc } from './freezer-api';

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

/** One `*.conf` file of the --no-api jobs dir: its job, or why it is skipped (refused: not trusted). */
export type JobFile = { file: string; doc: JobDoc } | { file: string; refused?: string; unreadable?: string };

/**
 * The job files of `dir` (spec B.9), in name order, as `--no-api` runs them: each parsed, its
 * job_id defaulting to the file name, or the reason it is skipped. A missing dir holds none.
 */
export async function readJobFiles(dir: string): Promise<JobFile[]> {
  const names = (await fs.readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.conf')).sort();
  const files: JobFile[] = [];
  for (const file of names) {
    try {
      const full = path.join(dir, file);
      const untrusted = untrustedJobFile(`job file ${full}`, await fs.stat(full));
      if (untrusted) {
        files.push({ file, refused: untrusted });
        continue;
      }
      const doc = JSON.parse(await fs.readFile(full, 'utf8')) as JobDoc;
      doc.job_id ??= file.replace(/^job_|\.conf$/g, '');
      files.push({ file, doc });
    } catch (err) {
      files.push({ file, unreadable: (err as Error).message });
    }
  }
  return files;
}
