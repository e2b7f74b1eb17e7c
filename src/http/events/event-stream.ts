import { PassThrough } from 'node:stream';
import type { Context } from 'koa';
import type { EventDocument, EventsService } from '../../services/events/events-service';
import type { EventType } from '../../services/events/event-sink';
import type { Scope } from '../../store/types';

/** Tells an EventSource how long to wait before reconnecting (it then sends Last-Event-ID). */
const RETRY_MS = 3000;
/**
 * A client that reads slower than events come is disconnected once this much waits for it,
 * rather than buffered without bound; it reconnects with Last-Event-ID and is replayed from the store.
 */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

/** One server-sent event: `id:` (the cursor to resume from), `event:` (the type), `data:` (the event as JSON). */
export function sseFrame(e: EventDocument): string {
  return `id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;
}

/**
 * Answers with a text/event-stream of the scope's events: first those after `cursor` kept in the
 * store, then live ones, with a comment line every `keepaliveMs` so proxies keep it open. It ends
 * when the client goes away or the server stops (EventsService.closeStreams).
 */
export async function answerEventStream(
  ctx: Context,
  events: EventsService,
  scope: Scope,
  types: EventType[] | null,
  cursor: number | null,
  keepaliveMs: number,
): Promise<void> {
  const stream = new PassThrough();
  stream.write(`retry: ${RETRY_MS}\n\n`);
  let closed = false;
  let unsubscribe: (() => void) | null = null;
  let timer: NodeJS.Timeout | null = null;
  const close = () => {
    if (closed) return;
    closed = true;
    if (timer) clearInterval(timer);
    unsubscribe?.();
    stream.end();
  };
  // Subscribed (and the replay from the store buffered) before anything is sent, so a store that
  // cannot answer is still a plain 503.
  try {
    unsubscribe = await events.subscribe(scope, types, cursor, {
      event: (e) => {
        if (closed) return;
        stream.write(sseFrame(e));
        if (stream.writableLength > MAX_BUFFERED_BYTES) close();
      },
      close,
    });
  } catch (err) {
    close();
    throw err;
  }
  if (closed) {
    // The server began stopping meanwhile.
    unsubscribe();
  }
  ctx.status = 200;
  ctx.set('Content-Type', 'text/event-stream; charset=utf-8');
  ctx.set('Cache-Control', 'no-cache, no-transform');
  // nginx buffers responses unless told not to.
  ctx.set('X-Accel-Buffering', 'no');
  // Written here rather than by Koa, whose pipeline reports every client that goes away as an
  // error (ERR_STREAM_PREMATURE_CLOSE): for a stream that is how it normally ends.
  ctx.respond = false;
  ctx.res.writeHead(200);
  ctx.res.once('close', close);
  ctx.req.socket.setNoDelay(true);
  stream.pipe(ctx.res);
  timer = setInterval(() => stream.write(': keep-alive\n\n'), keepaliveMs);
  timer.unref();
}
