/**
 * On-storage layout of backup chains (spec C.9):
 *   <root>/metadata/<engine>/<hbn>/<T0>/<L>_<TS>/metadata
 *   <root>/data/<engine>/<hbn>/<T0>/<L>_<TS>/{data,engine_metadata}
 * with hbn = <hostname>_<backup_name>. Paths are POSIX on every storage (object keys included).
 */

export type Tree = 'metadata' | 'data';

/** `<hostname>_<backup_name>`; for nova/glance the backup name may already carry `/<id>`. */
export function hbnOf(hostname: string, backupName: string): string {
  return `${hostname}_${backupName}`;
}

/** Join with '/', dropping trailing slashes of the root so `dir/` and `dir` give the same keys. */
function join(root: string, ...parts: string[]): string {
  const base = root.length > 1 ? root.replace(/\/+$/, '') : root;
  if (base === '') return parts.join('/');
  return base === '/' ? `/${parts.join('/')}` : [base, ...parts].join('/');
}

/** `<root>/<tree>/<engine>/<hbn>`: the directory whose entries are the chains (`<T0>`). */
export function chainsRootPath(root: string, tree: Tree, engine: string, hostname: string, backupName: string): string {
  return join(root, tree, engine, hbnOf(hostname, backupName));
}

/** `<root>/<tree>/<engine>/<hbn>/<T0>`: one chain, whose entries are its backups (`<L>_<TS>`). */
export function chainPath(root: string, tree: Tree, engine: string, hostname: string, backupName: string, t0: number): string {
  return join(chainsRootPath(root, tree, engine, hostname, backupName), String(t0));
}

/** `<root>/<tree>/<engine>/<hbn>/<T0>/<L>_<TS>`: the directory of one backup. */
export function backupPath(
  root: string, tree: Tree, engine: string, hostname: string, backupName: string, t0: number, level: number, ts: number,
): string {
  return join(chainPath(root, tree, engine, hostname, backupName, t0), `${level}_${ts}`);
}

export function metadataPath(
  root: string, engine: string, hostname: string, backupName: string, t0: number, level: number, ts: number,
): string {
  return join(backupPath(root, 'metadata', engine, hostname, backupName, t0, level, ts), 'metadata');
}

export function dataPath(
  root: string, engine: string, hostname: string, backupName: string, t0: number, level: number, ts: number,
): string {
  return join(backupPath(root, 'data', engine, hostname, backupName, t0, level, ts), 'data');
}

export function engineMetadataPath(
  root: string, engine: string, hostname: string, backupName: string, t0: number, level: number, ts: number,
): string {
  return join(backupPath(root, 'data', engine, hostname, backupName, t0, level, ts), 'engine_metadata');
}

/**
 * Canonical decimal integer only: we rebuild paths from the numbers, so a name such as
 * `0123` or `+5` would map to a different directory than the one listed. Object stores
 * list "directories" as prefixes ending in '/', so one trailing slash is accepted.
 */
function parseInt10(text: string): number | null {
  if (!/^(0|[1-9][0-9]*)$/.test(text)) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : null;
}

function stripSlash(name: string): string {
  return name.endsWith('/') ? name.slice(0, -1) : name;
}

/** `<T0>` -> T0; anything else -> null (the stock agent crashes on junk; we skip it). */
export function parseChainDir(name: string): number | null {
  return parseInt10(stripSlash(name));
}

/** `<L>_<TS>` -> {level, ts}; anything else -> null. */
export function parseBackupDir(name: string): { level: number; ts: number } | null {
  const parts = stripSlash(name).split('_');
  if (parts.length !== 2) return null;
  const level = parseInt10(parts[0]);
  const ts = parseInt10(parts[1]);
  return level === null || ts === null ? null : { level, ts };
}
