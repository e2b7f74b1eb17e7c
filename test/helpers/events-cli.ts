import { execFile } from 'node:child_process';
import path from 'node:path';

const ENTRY = path.resolve(__dirname, '../../src/bin/permafrost.js');

/** Runs `permafrost events emit` on a server's data directory; resolves to the stored event's id. */
export function emitEvent(dataDir: string, opts: { user: string; project: string | null; type: string; data?: unknown }): Promise<number> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PERMAFROST_')));
  const args = [ENTRY, 'events', 'emit', '--data-dir', dataDir, '--user', opts.user, '--type', opts.type, '--data', JSON.stringify(opts.data ?? {})];
  if (opts.project !== null) args.push('--project', opts.project);
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { env }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`events emit failed: ${stderr || err.message}`));
      resolve((JSON.parse(stdout) as { id: number }).id);
    });
  });
}
