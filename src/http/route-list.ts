/**
 * One method on one path as a router registered it. /openapi.json and the route labels of the
 * request metrics are both built from these lists, which are read from the routers themselves
 * (and from SERVICE_ROUTES for the endpoints outside them), so a route added later is described
 * and labelled without anyone keeping a second list.
 */
export interface RouteSignature {
  method: string;
  /** Path template in OpenAPI form: `/v2/{project_id}/jobs/{job_id}`. */
  path: string;
  /** Which part of the server answers: the Freezer API (v1, v2), the Keystone subset, or a service endpoint. */
  group: 'api' | 'keystone' | 'service';
  /** The policy rule the route enforces, when it enforces exactly one. */
  rule: string | null;
  /** api routes: the version and the path under its prefix (`/jobs/{job_id}`), shared by v1 and v2. */
  version?: 'v1' | 'v2';
  relative?: string;
}

/** What @koa/router keeps of each registered route (Router#stack). */
export interface RouterLayer {
  path: string | RegExp;
  methods: string[];
}

/** `/jobs/:job_id` -> `/jobs/{job_id}`; a trailing slash is dropped, as requests have theirs dropped. */
export function templateOf(koaPath: string): string {
  const path = koaPath.replace(/:(\w+)/g, '{$1}');
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

/**
 * The routes of a router's stack. The router answers HEAD on every GET route by itself; a HEAD is
 * listed only where it was registered on its own.
 */
export function signaturesOf(
  stack: readonly RouterLayer[],
  describe: (method: string, path: string) => Omit<RouteSignature, 'method' | 'path'>,
): RouteSignature[] {
  const out: RouteSignature[] = [];
  for (const layer of stack) {
    if (typeof layer.path !== 'string' || layer.methods.length === 0) continue;
    const path = templateOf(layer.path);
    const methods = layer.methods.includes('GET') ? layer.methods.filter((m) => m !== 'HEAD') : layer.methods;
    for (const method of methods) out.push({ method, path, ...describe(method, path) });
  }
  return out;
}
