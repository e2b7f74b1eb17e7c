import { BadRequestError } from '../../errors';
import { parseEventTypes } from '../../services/events/event-types';
import { sendJson, type ApiContext } from '../context';
import { answerEventStream } from '../events/event-stream';
import { assertKnownParams, integerParam } from '../events/query-params';
import type { RouteDef } from './route';

const PAGE_DEFAULT = 100;
const PAGE_MAX = 1000;

/**
 * GET /events: the caller's events (v2: its project; v1: its own documents, as for jobs). With
 * `Accept: text/event-stream` a live stream (resumed after `Last-Event-ID`, or `since`), else a
 * JSON page `{"events": [...]}` oldest first after `since`.
 */
export const eventsRoutes: RouteDef[] = [
  {
    method: 'GET',
    path: '/events',
    rule: 'events:get_all',
    handle: async (ctx, s) => {
      const stream = wantsStream(ctx);
      assertKnownParams(ctx.query, stream ? ['types', 'since'] : ['types', 'since', 'limit']);
      if (ctx.state.body !== undefined) throw new BadRequestError('GET /events takes no body');
      const types = parseEventTypes(ctx.query.types);
      if (stream) {
        const header = ctx.get('Last-Event-ID');
        const cursor = header !== '' ? eventId('Last-Event-ID', header) : ctx.query.since !== undefined ? eventId('since', ctx.query.since) : null;
        await answerEventStream(ctx, s.events, ctx.state.scope, types, cursor, s.events.keepaliveMs);
        return;
      }
      const since = ctx.query.since === undefined ? 0 : eventId('since', ctx.query.since);
      const limit = integerParam('limit', ctx.query.limit, PAGE_DEFAULT, 1, PAGE_MAX);
      const events = await s.events.list(ctx.state.scope, { since, limit, types });
      sendJson(ctx, 200, JSON.stringify({ events }));
    },
  },
];

/** The stream only when asked for by name: `*\/*` and JSON callers get the page. */
function wantsStream(ctx: ApiContext): boolean {
  const accept = ctx.get('Accept');
  return /\btext\/event-stream\b/i.test(accept) && ctx.accepts('application/json', 'text/event-stream') === 'text/event-stream';
}

function eventId(name: string, raw: unknown): number {
  return integerParam(name, raw, 0, 0, Number.MAX_SAFE_INTEGER);
}
