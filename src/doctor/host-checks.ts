import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { COMPRESSIONS, compressCommand, DEFAULT_COMPRESSION } from '../engine/pipeline/compressors';
import { findProgram, isExecutableFile } from '../engine/pipeline/find-program';
import { packageManifest } from '../version';
import { fail, ok, skip, type Check } from './check';
import type { JobNeeds } from './job-needs';
import { parseTarVersion, tarProblem } from './tar-version';
import { compareVersions, minimumOf } from './versions';

/** How long `tar --version` may take. */
const TAR_VERSION_TIMEOUT_MS = 5000;
/** How many job labels a line names before "and N more". */
const JOBS_NAMED = 3;

/** The jobs that need something, for a readable line: `job a, job b and 3 more`. */
export function jobsList(jobs: ReadonlySet<string>): string {
  const all = [...jobs].sort();
  return all.length <= JOBS_NAMED ? all.join(', ') : `${all.slice(0, JOBS_NAMED).join(', ')} and ${all.length - JOBS_NAMED} more`;
}

/** This Node.js against package.json `engines.node`. */
export function checkNode(version = process.versions.node): Check {
  const range = packageManifest().engines?.node;
  if (!range) return skip('node', `v${version}; package.json states no minimum`);
  const min = minimumOf(range);
  if (min === null) return skip('node', `v${version}; cannot read the minimum from engines.node "${range}"`);
  if (compareVersions(version, min) < 0) return fail('node', `v${version} is older than ${min} (package.json engines.node ${range}); install Node.js ${min} or later`);
  return ok('node', `v${version} (needs ${range})`);
}

/** GNU tar on PATH, as the engine starts it (`tar`, run-backup.ts and run-restore.ts), recent enough. */
export function checkTar(needs: JobNeeds | null): Check {
  const who = needs && needs.tar.size > 0 ? `backups and restores (${jobsList(needs.tar)})` : 'backups and restores';
  const tar = findProgram('tar');
  if (tar === null) return fail('tar', `no tar on PATH; ${who} need GNU tar: install it (Debian package: tar)`);
  const run = spawnSync(tar, ['--version'], { encoding: 'utf8', timeout: TAR_VERSION_TIMEOUT_MS, env: { ...process.env, LC_ALL: 'C' } });
  const identity = parseTarVersion(`${run.stdout ?? ''}\n${run.stderr ?? ''}`);
  const problem = tarProblem(identity);
  if (problem) return fail('tar', `${tar}: ${problem}`);
  return ok('tar', `GNU tar ${identity.version} at ${tar}`);
}

/**
 * Each compression the engine knows, resolved to its program the way a run does
 * (compressCommand: the engine's table, parallel implementations first). Needed: the default one
 * and those the jobs use; the others are only reported.
 */
export function checkCompressors(needs: JobNeeds | null): Check[] {
  return COMPRESSIONS.map((compression) => {
    const jobs = needs?.compressions.get(compression);
    const why = [compression === DEFAULT_COMPRESSION ? 'the default compression' : null, jobs ? `used by ${jobsList(jobs)}` : null].filter(Boolean).join(', ');
    const name = `compression ${compression}`;
    const unused = needs ? 'no job uses it' : 'the jobs are not known';
    try {
      const { program } = compressCommand(compression, null);
      return why ? ok(name, `${program} (${why})`) : skip(name, `${program} present; ${unused}`);
    } catch (err) {
      const message = (err as Error).message;
      return why ? fail(name, `${message}; needed: ${why}`) : skip(name, `${unused} (${message})`);
    }
  });
}

/** The programs exec actions start, found as the agent's spawn finds them (PATH, or the path given). */
export function checkExecPrograms(needs: JobNeeds | null): Check[] {
  if (!needs) return [skip('exec', 'the jobs are not known: their commands are not checked')];
  if (needs.programs.size === 0 && needs.execDisabled.size === 0) return [skip('exec', 'no job has an exec action')];
  const checks: Check[] = [];
  if (needs.execDisabled.size > 0) checks.push(skip('exec', `exec is disabled (--disable-exec): ${jobsList(needs.execDisabled)} will end fail`));
  for (const [program, jobs] of [...needs.programs].sort(([a], [b]) => a.localeCompare(b))) {
    const found = program.includes('/') ? (isExecutableFile(program) ? program : null) : findProgram(program);
    const name = `exec ${program}`;
    if (found) checks.push(ok(name, `${found} (${jobsList(jobs)})`));
    else checks.push(fail(name, `${program.includes('/') ? 'not an executable file' : 'not found on PATH'} (run by ${jobsList(jobs)}): install it or fix the command`));
  }
  return checks;
}

/** Key files (encrypt_pass_file, ssh_key) the jobs read, readable by this user. */
export function checkFiles(needs: JobNeeds | null): Check[] {
  if (!needs || needs.files.size === 0) return [];
  return [...needs.files].sort(([a], [b]) => a.localeCompare(b)).map(([file, { option, jobs }]) => {
    const name = `${option} ${file}`;
    try {
      fs.accessSync(file, fs.constants.R_OK);
      if (!fs.statSync(file).isFile()) return fail(name, `not a file (read by ${jobsList(jobs)}): fix the job`);
      return ok(name, `readable (read by ${jobsList(jobs)})`);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'not readable by this user' : (err as Error).message;
      return fail(name, `${why} (read by ${jobsList(jobs)}): create it or fix the job`);
    }
  });
}

/**
 * The jobs dir. With the API the agent creates it (0700) and caches job documents there: the
 * nearest existing directory must be writable, and nothing is created here. With --no-api the
 * agent only reads it: it must exist and be trusted (jobFilesCheck).
 */
export function checkJobsDir(dir: string): Check {
  const name = 'jobs_dir';
  let existing = dir;
  while (!fs.existsSync(existing) && path.dirname(existing) !== existing) existing = path.dirname(existing);
  if (!fs.statSync(existing).isDirectory()) {
    return fail(name, `${existing} is not a directory${existing === dir ? '' : `, so ${dir} cannot be created`}; choose another with --jobs-dir`);
  }
  try {
    fs.accessSync(existing, fs.constants.W_OK | fs.constants.X_OK);
  } catch {
    return fail(name, `${existing} is not writable by this user; make it writable or choose another with --jobs-dir`);
  }
  return ok(name, existing === dir ? `${dir} is writable` : `${dir} does not exist yet: the agent will create it in ${existing} (writable)`);
}

/** --allowed-paths: each directory exists (a missing one lets no job through it). */
export function checkAllowedPaths(allowed: readonly string[] | null): Check[] {
  if (allowed === null) return [skip('allowed_paths', 'not set: jobs may read and write anywhere this user can')];
  return allowed.map((dir) => {
    const st = fs.statSync(dir, { throwIfNoEntry: false });
    if (!st) return fail(`allowed_paths ${dir}`, 'does not exist: no job can use it; create it or fix --allowed-paths');
    if (!st.isDirectory()) return fail(`allowed_paths ${dir}`, 'is not a directory; fix --allowed-paths');
    return ok(`allowed_paths ${dir}`, 'directory exists');
  });
}
