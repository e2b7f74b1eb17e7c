/**
 * GNU tar arguments, as the stock agent builds them (spec C.5), so archives stay byte-compatible
 * in both directions. Compression runs as a separate process (see compressors.ts) rather than
 * tar's -z/-j/-J, which lets it use every core; the archive bytes are the same.
 */

export type Dereference = 'soft' | 'hard' | 'all';

export interface CreateArgs {
  /** The listed-incremental snapshot file: the parent's engine_metadata, or a new file for a level 0. */
  snapshotFile: string;
  /** `.` for a directory (tar runs inside it) or the file's name (tar runs in its parent). */
  target: string;
  exclude: string | null;
  dereference: Dereference | null;
  /** Records (10 KiB each) between progress lines on stderr. */
  checkpointRecords: number;
}

/** Marker of tar's checkpoint lines on stderr: `tar: #progress <bytes written>` (see checkpointBytes). */
const CHECKPOINT_MARK = '#progress';

const DEREFERENCE_FLAGS: Record<Dereference, string[]> = {
  soft: ['--dereference'],
  hard: ['--hard-dereference'],
  all: ['--hard-dereference', '--dereference'],
};

export function tarCreateArgs(opts: CreateArgs): string[] {
  return [
    '--create', '--warning=none', '--no-check-device', '--one-file-system', '--preserve-permissions',
    '--same-owner', '--ignore-failed-read',
    ...(opts.dereference ? DEREFERENCE_FLAGS[opts.dereference] : []),
    `--listed-incremental=${opts.snapshotFile}`,
    ...(opts.exclude ? [`--exclude=${opts.exclude}`] : []),
    // With the archive on stdout, --verbose lists each member on stderr (counted for progress).
    '--verbose', '--totals',
    `--checkpoint=${opts.checkpointRecords}`, `--checkpoint-action=echo=${CHECKPOINT_MARK} %{w}T`,
    '--file=-', '--', opts.target,
  ];
}

/** One level of a restore: `--incremental` replays the deletions recorded in the archive. */
export function tarExtractArgs(directory: string): string[] {
  return ['--incremental', '--extract', '--ignore-zeros', '--warning=none', '--overwrite', `--directory=${directory}`, '--file=-'];
}

/** A dry-run restore lists the members instead (spec C.5). */
export function tarListArgs(): string[] {
  return ['--incremental', '--list', '--ignore-zeros', '--warning=none', '--file=-'];
}

/**
 * Archive bytes written so far, from a checkpoint line or from the `--totals` line tar prints at
 * the end ("Total bytes written: N (...)"); null for any other stderr line.
 */
export function checkpointBytes(line: string): number | null {
  const m = /^tar: #progress (\d+)/.exec(line) ?? /^(?:tar: )?Total bytes written: (\d+)/.exec(line);
  return m ? Number(m[1]) : null;
}
