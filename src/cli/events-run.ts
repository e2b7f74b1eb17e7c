/** What `permafrost events ...` runs; loaded only when one of them is invoked (events-command.ts). */
import { loadConfig } from '../config/config';
import { EventsRuntime } from '../services/events/events-runtime';
import { checkEventTypes } from '../services/events/event-types';
import { isObject } from '../services/common';
import { redactCredentials } from '../store/redact-credentials';
import { createValidator } from '../validation';
import { createLogger } from '../log';
import { explainMissingDatabase } from './missing-database';

export interface EmitFlags {
  type: string;
  user: string;
  project?: string;
  data: string;
  config?: string;
  dataDir?: string;
  database?: string;
}

export async function emitCommand(flags: EmitFlags): Promise<void> {
  const [type] = checkEventTypes([flags.type], '--type');
  let data: unknown;
  try {
    data = JSON.parse(flags.data);
  } catch {
    throw new Error('--data: not JSON');
  }
  if (!isObject(data)) throw new Error('--data: must be a JSON object');
  const config = loadConfig({ config: flags.config, dataDir: flags.dataDir, database: flags.database });
  const runtime = new EventsRuntime(config, createValidator(), createLogger('warn', { stderr: true }));
  try {
    await runtime.open({ create: false });
  } catch (err) {
    throw oneLine(explainMissingDatabase(err, config.data_dir));
  }
  try {
    const event = await runtime.events.record({ projectId: flags.project ?? null, userId: flags.user }, type, data);
    process.stdout.write(`${JSON.stringify({ id: event.id, type, project_id: event.project_id })}\n`);
  } finally {
    await runtime.store.stop();
  }
}

function oneLine(err: unknown): Error {
  const message = err instanceof Error ? err.message : String(err);
  return new Error(redactCredentials(message).split('\n').map((l) => l.trim()).filter(Boolean).join(' '));
}
