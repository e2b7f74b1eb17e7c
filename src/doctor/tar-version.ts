import { compareVersions } from './versions';

/**
 * The oldest GNU tar the engine's arguments work with (src/engine/pipeline/tar-commands.ts). The
 * newest of them is the `%{w}T` format of `--checkpoint-action=echo=...` (bytes written so far,
 * read for progress), added in GNU tar 1.28 (2014); --warning=none, --no-check-device,
 * --hard-dereference and --listed-incremental are older. Debian 9 and later ship 1.29 or newer.
 */
export const MIN_GNU_TAR = '1.28';

export interface TarIdentity {
  /** gnu: `tar (GNU tar) 1.34`; bsdtar (libarchive, macOS, FreeBSD); busybox; other: anything else. */
  kind: 'gnu' | 'bsdtar' | 'busybox' | 'other';
  version: string | null;
}

/** What `tar --version` printed (stdout and stderr together): which tar, which version. */
export function parseTarVersion(output: string): TarIdentity {
  const gnu = /\(GNU tar\)\s+(\d+(?:\.\d+)+)/.exec(output);
  if (gnu) return { kind: 'gnu', version: gnu[1] };
  const bsd = /bsdtar\s+(\d+(?:\.\d+)+)/.exec(output);
  if (bsd) return { kind: 'bsdtar', version: bsd[1] };
  const busybox = /BusyBox\s+v(\d+(?:\.\d+)+)/i.exec(output);
  if (busybox) return { kind: 'busybox', version: busybox[1] };
  return { kind: 'other', version: null };
}

/** Why this tar cannot run the engine's commands, with the fix; null when it can. */
export function tarProblem(tar: TarIdentity, min = MIN_GNU_TAR): string | null {
  const install = 'install GNU tar (Debian package: tar) and put it first on PATH as `tar`';
  if (tar.kind === 'bsdtar') return `this is bsdtar ${tar.version}, not GNU tar: the engine needs GNU tar's --listed-incremental archives; ${install}`;
  if (tar.kind === 'busybox') return `this is BusyBox tar ${tar.version}, not GNU tar: it lacks --listed-incremental and --checkpoint; ${install}`;
  if (tar.kind === 'other' || tar.version === null) return `\`tar --version\` does not say "GNU tar": the engine needs GNU tar ${min} or later; ${install}`;
  if (compareVersions(tar.version, min) < 0) return `GNU tar ${tar.version} is older than ${min} (the engine's --checkpoint-action format needs ${min}); upgrade tar`;
  return null;
}
