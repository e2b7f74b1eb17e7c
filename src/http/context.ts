import type { JsonLineSplitter } from './middleware/body';
import type { StreamedRequest } from './streamed-requests';
import type { Context } from 'koa';
import type { Identity } from '../auth/identity';
import type { Scope } from '../store/types';

/** What the middleware chain leaves on ctx.state for the resource handlers. */
export interface ApiState {
  identity: Identity;
  scope: Scope;
  /** The parsed JSON body; undefined when the request had none. */
  body: unknown;
  /** Routes with `body: 'lines'`: splits the body into JSON lines as it arrives (the route reads ctx.req). */
  lines: JsonLineSplitter;
  /** Routes with `body: 'lines'`: the stream's bounds (call touch() per line). */
  stream: StreamedRequest;
  requestId: string;
}

export type ApiContext = Context & { state: ApiState };

/** Sends a JSON text as is (lists and stored documents are already JSON: no re-serialising). */
export function sendJson(ctx: Context, status: number, json: string): void {
  ctx.status = status;
  ctx.body = json;
  ctx.set('Content-Type', 'application/json');
}

export function send(ctx: Context, status: number, value: unknown): void {
  sendJson(ctx, status, JSON.stringify(value));
}

/** 204: no body, no content type. */
export function sendNoContent(ctx: Context): void {
  ctx.status = 204;
  ctx.body = null;
}

/**
 * This server's base URL as the client reached it (scheme and Host header). Koa 3's ctx.origin
 * is the request's Origin header instead, which a client controls: never use it for links.
 */
export function baseUrl(ctx: Context): string {
  return `${ctx.protocol}://${ctx.host}`;
}
