import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');

/** shared/compat: under $PERMAFROST_SHARED when set, else ../shared beside the repository. */
export function compatDir(): string {
  return process.env.PERMAFROST_SHARED ? path.join(process.env.PERMAFROST_SHARED, 'compat') : path.resolve(ROOT, '../shared/compat');
}
