import { NotFoundError } from '../../errors';
import { parseListQuery } from '../../services/paging';
import type { Services } from '../../services';
import type { CollectionName } from '../../store/types';
import { send, sendJson, sendNoContent, type ApiContext } from '../context';

export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** One API route, shared by v1 and v2 (they differ only in how ctx.state.scope is built). */
export interface RouteDef {
  method: Method;
  /** Relative to `/v1` or `/v2/:project_id`. */
  path: string;
  /** Policy rule name (spec A.2.5). */
  rule: string;
  /** 'lines': the body is JSON lines read as they arrive (ctx.state.lines), not one JSON document. */
  body?: 'lines';
  handle: (ctx: ApiContext, services: Services) => Promise<void>;
}

/**
 * The four routes every collection has (list, create, get one, delete), with the reference's
 * policy rule names `<collection>:get_all|create|get|delete`. `typeName` words v1's 404.
 */
export function collectionRoutes(collection: CollectionName, idParam: string, typeName: string): RouteDef[] {
  const id = (ctx: ApiContext) => param(ctx, idParam);
  return [
    {
      method: 'GET',
      path: `/${collection}`,
      rule: `${collection}:get_all`,
      handle: async (ctx, s) => sendList(ctx, collection, await s[collection].listJson(ctx.state.scope, listQuery(ctx))),
    },
    {
      method: 'POST',
      path: `/${collection}`,
      rule: `${collection}:create`,
      handle: async (ctx, s) =>
        send(ctx, 201, await s[collection].create(ctx.state.scope, ctx.state.body, ctx.state.identity.userName)),
    },
    {
      method: 'GET',
      path: `/${collection}/:${idParam}`,
      rule: `${collection}:get`,
      handle: async (ctx, s) => sendJson(ctx, 200, await s[collection].getJson(ctx.state.scope, id(ctx))),
    },
    {
      method: 'DELETE',
      path: `/${collection}/:${idParam}`,
      rule: `${collection}:delete`,
      handle: async (ctx, s) => sendDeleted(ctx, await s[collection].delete(ctx.state.scope, id(ctx)), typeName, id(ctx)),
    },
  ];
}

/** Lists are assembled from stored JSON texts: `{"jobs":[...]}` without a parse. */
export function sendList(ctx: ApiContext, envelope: string, items: string[]): void {
  sendJson(ctx, 200, `{"${envelope}":[${items.join(',')}]}`);
}

export function listQuery(ctx: ApiContext) {
  return parseListQuery(ctx.query, ctx.state.body);
}

/** DELETE answers 204 in v2 even when nothing was there; v1 says what was missing (spec A.8). */
export function sendDeleted(ctx: ApiContext, existed: boolean, type: string, id: string): void {
  if (!existed && ctx.state.scope.projectId === null) throw new NotFoundError(`No ${type} found with ID:${id}`);
  sendNoContent(ctx);
}

export function param(ctx: ApiContext, name: string): string {
  return (ctx.params as Record<string, string>)[name];
}
