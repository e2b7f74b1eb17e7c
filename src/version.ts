import fs from 'node:fs';
import path from 'node:path';

/**
 * Set by the agent bundle's build (scripts/bundle-agent.mjs, esbuild `define`): a bundled file
 * has no package.json beside it. Undefined everywhere else.
 */
declare const PERMAFROST_BUNDLED_VERSION: string | undefined;

let cached: string | null = null;

/** The package version (from the nearest package.json above this file, read once on first use). */
export function permafrostVersion(): string {
  if (cached !== null) return cached;
  if (typeof PERMAFROST_BUNDLED_VERSION === 'string') return (cached = PERMAFROST_BUNDLED_VERSION);
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      cached = String((JSON.parse(fs.readFileSync(file, 'utf8')) as { version?: string }).version ?? 'unknown');
      return cached;
    }
    if (path.dirname(dir) === dir) return (cached = 'unknown');
  }
}
