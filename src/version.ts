import fs from 'node:fs';
import path from 'node:path';

let cached: string | null = null;

/** The package version (from the nearest package.json above this file, read once on first use). */
export function permafrostVersion(): string {
  if (cached !== null) return cached;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      cached = String((JSON.parse(fs.readFileSync(file, 'utf8')) as { version?: string }).version ?? 'unknown');
      return cached;
    }
    if (path.dirname(dir) === dir) return (cached = 'unknown');
  }
}
