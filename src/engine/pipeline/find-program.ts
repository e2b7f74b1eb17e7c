import fs from 'node:fs';
import path from 'node:path';

const found = new Map<string, string | null>();

/** Absolute path of `name` on PATH, or null. Cached: the engine asks for the same few tools on every run. */
export function findProgram(name: string, envPath = process.env.PATH ?? ''): string | null {
  const key = `${envPath}\0${name}`;
  if (found.has(key)) return found.get(key) ?? null;
  let hit: string | null = null;
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) {
        hit = candidate;
        break;
      }
    } catch {
      // not here
    }
  }
  found.set(key, hit);
  return hit;
}
