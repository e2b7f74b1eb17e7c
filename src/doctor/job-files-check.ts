import fs from 'node:fs';
import type { JobDoc } from '../agent/freezer-api';
import { readJobFiles, untrustedJobFile } from '../agent/job-files';
import { fail, ok, type Check } from './check';

/**
 * --no-api: the jobs dir must exist and be trusted, as the agent requires, and each `*.conf` file
 * must be one the agent runs (trusted, JSON). The jobs read are what the other checks derive from.
 */
export async function jobFilesCheck(dir: string): Promise<{ checks: Check[]; jobs: JobDoc[] }> {
  const st = fs.statSync(dir, { throwIfNoEntry: false });
  if (!st) return { checks: [fail('jobs_dir', `${dir} does not exist; --no-api runs the *.conf job files of that directory: create it or fix --jobs-dir`)], jobs: [] };
  const untrusted = untrustedJobFile(`jobs_dir ${dir}`, st);
  if (untrusted) return { checks: [fail('jobs_dir', `${untrusted}; the agent refuses to start`)], jobs: [] };
  const checks: Check[] = [];
  const jobs: JobDoc[] = [];
  for (const f of await readJobFiles(dir)) {
    if ('doc' in f) jobs.push(f.doc);
    else if (f.refused) checks.push(fail(`job file ${f.file}`, `${f.refused}; the agent skips it`));
    else checks.push(fail(`job file ${f.file}`, `not a JSON job document (${f.unreadable}); the agent skips it`));
  }
  checks.unshift(ok('jobs_dir', `${dir}: ${jobs.length} job file${jobs.length === 1 ? '' : 's'} (--no-api reads it, writes nothing)`));
  return { checks, jobs };
}
