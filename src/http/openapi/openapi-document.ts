import fs from 'node:fs';
import path from 'node:path';
import type { RouteSignature } from '../route-list';
import { refTarget, toComponentSchema } from './json-schema-2020';

/** How schemas/openapi/operations.json describes one operation. */
interface OperationSpec {
  summary: string;
  tags?: string[];
  /** Longer text than the summary. */
  description?: string;
  /** Query parameters, by name: their description. */
  query?: Record<string, string>;
  /** Request headers the operation reads (beyond auth), by name: their description. */
  headers?: Record<string, string>;
  /** Request body: a schema file name (`job`) or an inline schema, and whether it is required. */
  request?: { schema: string | object; required?: boolean; description?: string; type?: string };
  /** Status -> response: a name of `responses` (shared), or an inline response spec. */
  responses: Record<string, string | ResponseSpec>;
  /** false: no token needed. */
  auth?: boolean;
}

interface ResponseSpec {
  description: string;
  /** A schema file name or inline schema; absent: no body. */
  body?: string | object;
  /** Default application/json. */
  type?: string;
  /** Further content types the same status may answer with, chosen by Accept (type -> schema). */
  also?: Record<string, string | object>;
  /** The body may also be empty (Freezer's bare 404 on GET of one missing document). */
  mayBeEmpty?: boolean;
  headers?: Record<string, string>;
}

interface OperationsFile {
  info: Record<string, unknown>;
  /** Responses every operation of a group has (auth, negotiation, limits, failures). */
  groupResponses: Record<RouteSignature['group'], Record<string, string>>;
  /** Shared responses, by name. */
  responses: Record<string, ResponseSpec>;
  /** Freezer API operations, by `METHOD /path` under /v1 and /v2/{project_id}. */
  api: Record<string, OperationSpec>;
  /** Other operations, by `METHOD /absolute/path`. */
  other: Record<string, OperationSpec>;
}

export interface OpenApiResult {
  document: Record<string, unknown>;
  /** Routes with no entry in operations.json (the test of the document fails on any). */
  undescribed: string[];
}

/** Statuses outside 100-599 that OpenAPI cannot key: Freezer's 753 for unparseable JSON. */
export const NONSTANDARD_KEY = 'x-permafrost-nonstandard-responses';
/** On a response: its body may also be empty. */
export const MAY_BE_EMPTY_KEY = 'x-permafrost-may-be-empty';

/**
 * The OpenAPI 3.1 document of this server, built once at start from the routes the routers
 * registered (route-list.ts), the request schemas of `schemas/`, the response schemas of
 * `schemas/responses/` and the operation descriptions of `schemas/openapi/operations.json`.
 * Paths come from the routers, so the document lists every route the server answers; a route
 * without a description still appears (marked `x-permafrost-undescribed`), and is reported.
 */
export function buildOpenApi(routes: readonly RouteSignature[], schemaDir: string, version: string): OpenApiResult {
  const ops = JSON.parse(fs.readFileSync(path.join(schemaDir, 'openapi', 'operations.json'), 'utf8')) as OperationsFile;
  const schemas = new SchemaComponents(schemaDir);
  const paths: Record<string, Record<string, unknown>> = {};
  const undescribed: string[] = [];
  for (const route of routes) {
    const key = route.group === 'api' && route.relative !== undefined ? `${route.method} ${route.relative}` : `${route.method} ${route.path}`;
    const spec = route.group === 'api' && route.relative !== undefined ? ops.api[key] : ops.other[key];
    if (!spec) undescribed.push(`${route.method} ${route.path}`);
    const item = (paths[route.path] ??= {});
    item[route.method.toLowerCase()] = spec ? operation(route, spec, ops, schemas) : undescribedOperation(route);
  }
  const document = {
    openapi: '3.1.0',
    info: { ...ops.info, version },
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    paths: sortKeys(paths),
    components: {
      schemas: schemas.used(),
      securitySchemes: {
        token: { type: 'apiKey', in: 'header', name: 'X-Auth-Token', description: 'A Keystone or Permafrost token (what OpenStack clients send)' },
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
      },
    },
  };
  return { document, undescribed };
}

function operation(route: RouteSignature, spec: OperationSpec, ops: OperationsFile, schemas: SchemaComponents): Record<string, unknown> {
  const responses: Record<string, unknown> = {};
  const nonstandard: Record<string, unknown> = {};
  const all = { ...ops.groupResponses[route.group], ...spec.responses };
  for (const status of Object.keys(all).sort()) {
    const value = all[status];
    const resp = typeof value === 'string' ? ops.responses[value] : value;
    if (!resp) throw new Error(`operations.json: ${route.method} ${route.path}: no response named ${String(value)}`);
    (Number(status) >= 600 ? nonstandard : responses)[status] = response(resp, schemas);
  }
  const params = [...route.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
  for (const [name, description] of Object.entries(spec.query ?? {})) params.push({ name, in: 'query', description, schema: { type: 'string' } } as never);
  for (const [name, description] of Object.entries(spec.headers ?? {})) params.push({ name, in: 'header', description, schema: { type: 'string' } } as never);
  const out: Record<string, unknown> = {
    operationId: operationId(route),
    summary: spec.summary,
    ...(spec.description ? { description: spec.description } : {}),
    ...(spec.tags ? { tags: spec.tags } : {}),
    ...(params.length ? { parameters: params } : {}),
    ...(spec.request ? { requestBody: requestBody(spec.request, schemas) } : {}),
    responses,
    ...(Object.keys(nonstandard).length ? { [NONSTANDARD_KEY]: nonstandard } : {}),
    security: spec.auth === false ? [] : [{ token: [] }, { bearer: [] }],
  };
  if (route.rule) out['x-policy-rule'] = route.rule;
  return out;
}

function undescribedOperation(route: RouteSignature): Record<string, unknown> {
  return { operationId: operationId(route), 'x-permafrost-undescribed': true, responses: { default: { description: 'not described yet' } } };
}

function response(spec: ResponseSpec, schemas: SchemaComponents): Record<string, unknown> {
  const out: Record<string, unknown> = { description: spec.description };
  if (spec.headers) {
    out.headers = Object.fromEntries(Object.entries(spec.headers).map(([name, description]) => [name, { description, schema: { type: 'string' } }]));
  }
  if (spec.body !== undefined) out.content = { [spec.type ?? 'application/json']: { schema: schemas.ref(spec.body) } };
  for (const [type, body] of Object.entries(spec.also ?? {})) out.content = { ...(out.content as object), [type]: { schema: schemas.ref(body) } };
  if (spec.mayBeEmpty) out[MAY_BE_EMPTY_KEY] = true;
  return out;
}

function requestBody(spec: NonNullable<OperationSpec['request']>, schemas: SchemaComponents): Record<string, unknown> {
  return {
    required: spec.required ?? true,
    ...(spec.description ? { description: spec.description } : {}),
    content: { [spec.type ?? 'application/json']: { schema: schemas.ref(spec.schema) } },
  };
}

/** `GET /v2/{project_id}/jobs/{job_id}` -> `get_v2_project_id_jobs_job_id`: unique per method and path. */
function operationId(route: RouteSignature): string {
  const words = route.path.replace(/[{}]/g, '').split(/[^A-Za-z0-9]+/).filter(Boolean);
  return [route.method.toLowerCase(), ...words].join('_') || route.method.toLowerCase();
}

function sortKeys<T>(obj: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(obj).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * The schema files, as components: `schemas/*.json` (requests), `schemas/responses/*.json` and
 * `schemas/openapi/*.json` (what only the document needs), one flat namespace by file name. Only
 * those the document refers to (directly or through other schemas) are included.
 */
class SchemaComponents {
  private readonly files = new Map<string, string>();
  private readonly included = new Map<string, unknown>();

  constructor(schemaDir: string) {
    for (const dir of [schemaDir, path.join(schemaDir, 'responses'), path.join(schemaDir, 'openapi')]) {
      if (!fs.existsSync(dir)) continue;
      for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'operations.json')) {
        const name = file.slice(0, -'.json'.length);
        if (this.files.has(name)) throw new Error(`schema name ${name} is used twice (${this.files.get(name)} and ${path.join(dir, file)})`);
        this.files.set(name, path.join(dir, file));
      }
    }
  }

  /** A schema name (`job`) or an inline schema whose refs name files, as a schema of the document. */
  ref(schema: string | object): unknown {
    if (typeof schema === 'string') {
      this.include(schema);
      return { $ref: refTarget(`${schema}.json`, schema) };
    }
    const converted = toComponentSchema(schema, '');
    this.includeRefs(converted);
    return converted;
  }

  used(): Record<string, unknown> {
    return Object.fromEntries([...this.included.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  private include(name: string): void {
    if (this.included.has(name)) return;
    const file = this.files.get(name);
    if (!file) throw new Error(`operations.json refers to schema ${name}, which no schema file defines`);
    const converted = toComponentSchema(JSON.parse(fs.readFileSync(file, 'utf8')), name);
    this.included.set(name, converted);
    this.includeRefs(converted);
  }

  private includeRefs(node: unknown): void {
    if (Array.isArray(node)) node.forEach((n) => this.includeRefs(n));
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === '$ref' && typeof value === 'string') {
          const m = /^#\/components\/schemas\/([^/]+)/.exec(value);
          if (m) this.include(m[1]);
        } else this.includeRefs(value);
      }
    }
  }
}
