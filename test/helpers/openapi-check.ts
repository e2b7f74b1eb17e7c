import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import { RouteMatcher } from '../../src/metrics/route-matcher';
import type { RecordedResponse } from './http';

type Json = Record<string, unknown>;

const MAY_BE_EMPTY = 'x-permafrost-may-be-empty';
const NONSTANDARD = 'x-permafrost-nonstandard-responses';

/** Where a recorded response landed in the document. */
export interface CheckResult {
  /** `GET /v2/{project_id}/jobs`, or null when no path of the document matches. */
  operation: string | null;
  /** What is wrong with the response, or null when it is as described. */
  problem: string | null;
}

/**
 * Checks responses against an OpenAPI 3.1 document: the path must be one of its paths (or answer
 * 404 as an unrouted path), the method one of its operations (or 405), the status one the
 * operation describes, the content type one of its media types, and a JSON body must validate
 * against the response schema (JSON Schema 2020-12, ajv). OPTIONS is answered by the routers for
 * every path (200, Allow) and is not described per operation; HEAD on a GET-only path is checked
 * against the GET operation's statuses, without a body.
 */
export class OpenApiChecker {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: false, validateFormats: false });
  private readonly matcher: RouteMatcher;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(private readonly doc: Json) {
    this.ajv.addSchema({ ...doc, $id: 'openapi.json' });
    this.matcher = new RouteMatcher(Object.keys(this.paths()));
  }

  check(rec: RecordedResponse): CheckResult {
    const path = rec.url.split('?')[0];
    const template = this.matcher.match(path);
    if (template === null) return { operation: null, problem: rec.status === 404 ? null : `${rec.method} ${path}: no such path in the document, answered ${rec.status}` };
    if (rec.method === 'OPTIONS') return { operation: null, problem: rec.status === 200 ? null : `OPTIONS ${template}: ${rec.status}` };
    const item = this.paths()[template] as Json;
    const ownMethod = item[rec.method.toLowerCase()] ? rec.method : rec.method === 'HEAD' && item.get ? 'GET' : null;
    const name = `${rec.method} ${template}`;
    if (!ownMethod) return { operation: name, problem: rec.status === 405 ? null : `${name}: no such operation, answered ${rec.status}` };
    const op = item[ownMethod.toLowerCase()] as Json;
    const key = String(rec.status);
    const responses = op.responses as Json;
    const inNonstandard = ((op[NONSTANDARD] ?? {}) as Json)[key] !== undefined;
    const response = (responses[key] ?? responses[`${key[0]}XX`] ?? ((op[NONSTANDARD] ?? {}) as Json)[key]) as Json | undefined;
    if (!response) return { operation: name, problem: `${name}: status ${rec.status} is not described (body ${short(rec.body)})` };
    if (rec.method === 'HEAD' || rec.body === undefined) return { operation: name, problem: null };
    const pointer = inNonstandard ? ['paths', template, ownMethod.toLowerCase(), NONSTANDARD, key] : ['paths', template, ownMethod.toLowerCase(), 'responses', responses[key] ? key : `${key[0]}XX`];
    return { operation: name, problem: this.checkBody(name, rec, response, pointer) };
  }

  /** Every `METHOD /path` of the document. */
  operations(): string[] {
    const out: string[] = [];
    for (const [p, item] of Object.entries(this.paths())) {
      for (const m of Object.keys(item as Json)) if (['get', 'put', 'post', 'delete', 'patch', 'head', 'options'].includes(m)) out.push(`${m.toUpperCase()} ${p}`);
    }
    return out;
  }

  private checkBody(name: string, rec: RecordedResponse, response: Json, pointer: string[]): string | null {
    const body = rec.body ?? '';
    const content = response.content as Json | undefined;
    if (body === '') return !content || response[MAY_BE_EMPTY] === true ? null : `${name} ${rec.status}: empty body, but the document describes one`;
    if (!content) return `${name} ${rec.status}: a body (${short(body)}), but the document describes none`;
    const type = (rec.contentType ?? '').split(';')[0].trim().toLowerCase();
    if (!(type in content)) return `${name} ${rec.status}: content type ${type || 'none'} is not one of ${Object.keys(content).join(', ')}`;
    let value: unknown = body;
    if (/\bjson\b|\+json$/.test(type)) {
      try {
        value = JSON.parse(body);
      } catch {
        return `${name} ${rec.status}: the body is not JSON: ${short(body)}`;
      }
    }
    const validate = this.validator([...pointer, 'content', type, 'schema']);
    if (validate(value)) return null;
    const e = validate.errors?.[0];
    return `${name} ${rec.status}: ${e?.instancePath || '(body)'} ${e?.message ?? 'is invalid'} (${e?.schemaPath}); body ${short(body)}`;
  }

  private validator(pointer: string[]): ValidateFunction {
    const ref = `openapi.json#/${pointer.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;
    let fn = this.compiled.get(ref);
    if (!fn) this.compiled.set(ref, (fn = this.ajv.compile({ $ref: ref })));
    return fn;
  }

  private paths(): Json {
    return this.doc.paths as Json;
  }
}

function short(text: string | undefined): string {
  if (text === undefined) return '(not kept)';
  return text.length > 300 ? `${text.slice(0, 300)}...` : text;
}
