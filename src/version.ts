import fs from 'node:fs';
import path from 'node:path';

/** What Permafrost reads from its own package.json. */
export interface PackageManifest {
  version?: string;
  engines?: { node?: string };
}

let manifest: PackageManifest | null = null;

/** The nearest package.json above this file, read once on first use ({} when there is none). */
export function packageManifest(): PackageManifest {
  if (manifest !== null) return manifest;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) return (manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as PackageManifest);
    if (path.dirname(dir) === dir) return (manifest = {});
  }
}

/** The package version. */
export function permafrostVersion(): string {
  return String(packageManifest().version ?? 'unknown');
}
