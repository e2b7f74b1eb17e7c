import { BadRequestError } from '../../errors';
import { EVENT_TYPES, type EventType } from './event-sink';

/**
 * `?types=run.failed,job.stale`: the event types a stream, a page or a webhook wants. Blank
 * items are ignored; an unknown type is a 400 naming it and the known ones. null: every type.
 */
export function parseEventTypes(raw: unknown, param = 'types'): EventType[] | null {
  if (raw === undefined) return null;
  const text = Array.isArray(raw) ? raw.join(',') : String(raw);
  const items = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) return null;
  return checkEventTypes(items, param);
}

export function checkEventTypes(items: readonly string[], where: string): EventType[] {
  const unknown = items.filter((t) => !(EVENT_TYPES as readonly string[]).includes(t));
  if (unknown.length > 0) {
    throw new BadRequestError(`${where}: unknown event type${unknown.length > 1 ? 's' : ''} ${unknown.map((t) => `'${t}'`).join(', ')} (known: ${EVENT_TYPES.join(', ')})`);
  }
  return [...new Set(items as EventType[])];
}
