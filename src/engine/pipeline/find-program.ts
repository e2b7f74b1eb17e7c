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
    if (isExecutableFile(candidate)) {
      hit = candidate;
      break;
    }
  }
  found.set(key, hit);
  return hit;
}

/** Whether `file` is a regular file this user may execute. */
export function isExecutableFile(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
