import fs from 'node:fs';
import path from 'node:path';

/** What Permafrost reads from its own package.json. */
export interface PackageManifest {
  version?: string;
  engines?: { node?: string };
}

/**
 * Set by the agent bundle's build (scripts/bundle-agent.mjs, esbuild `define`): a bundled file
 * has no package.json beside it. Undefined everywhere else.
 */
declare const PERMAFROST_BUNDLED_MANIFEST: PackageManifest | undefined;

let manifest: PackageManifest | null = null;

/** The nearest package.json above this file, read once on first use ({} when there is none). */
export function packageManifest(): PackageManifest {
  if (manifest !== null) return manifest;
  if (typeof PERMAFROST_BUNDLED_MANIFEST === 'object') return (manifest = PERMAFROST_BUNDLED_MANIFEST);
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
