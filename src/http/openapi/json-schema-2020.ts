/**
 * The schema files of `schemas/` are compiled by ajv's default dialect (draft-07, with `$defs`);
 * OpenAPI 3.1 schemas are JSON Schema 2020-12. This turns one file into a component schema of
 * the document: the draft-07 keywords whose meaning changed are rewritten (`definitions`, array
 * `items` and `additionalItems`, `dependencies`), `$id` and `$schema` are dropped (a relative `$id`
 * inside the document would change how the refs in it resolve), and every `$ref` is pointed into
 * `#/components/schemas`: `job_schedule.json` -> `#/components/schemas/job_schedule`, and a local
 * `#/$defs/x` -> `#/components/schemas/<this file>/$defs/x`.
 */
export function toComponentSchema(schema: unknown, self: string): unknown {
  return convert(schema, self);
}

/** `job_schedule.json` or `job_schedule.json#/x` -> the component name and fragment. */
export function refTarget(ref: string, self: string): string {
  const [file, fragment = ''] = ref.split('#');
  const name = file === '' ? self : file.replace(/^.*\//, '').replace(/\.json$/, '');
  // `definitions` became `$defs` in the converted schema.
  const pointer = fragment === '/' ? '' : fragment.replace(/^\/definitions\//, '/$defs/');
  return `#/components/schemas/${name}${pointer}`;
}

function convert(node: unknown, self: string): unknown {
  if (Array.isArray(node)) return node.map((n) => convert(n, self));
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  const src = node as Record<string, unknown>;
  for (const [key, value] of Object.entries(src)) {
    switch (key) {
      case '$id':
      case '$schema':
        break;
      case '$ref':
        out.$ref = refTarget(String(value), self);
        break;
      case 'definitions':
        out.$defs = convertMap(value, self);
        break;
      case 'items':
        if (Array.isArray(value)) out.prefixItems = convert(value, self);
        else out.items = convert(value, self);
        break;
      case 'additionalItems':
        // Draft-07 additionalItems applies after a tuple `items`; 2020-12 calls that `items`.
        if (Array.isArray(src.items)) out.items = convert(value, self);
        break;
      case 'dependencies':
        for (const [prop, dep] of Object.entries(value as Record<string, unknown>)) {
          const bucket = Array.isArray(dep) ? 'dependentRequired' : 'dependentSchemas';
          out[bucket] = { ...(out[bucket] as object | undefined), [prop]: convert(dep, self) };
        }
        break;
      case 'properties':
      case 'patternProperties':
      case '$defs':
        out[key] = convertMap(value, self);
        break;
      default:
        out[key] = convert(value, self);
    }
  }
  // Draft-07 ignores the siblings of a $ref; 2020-12 applies them. Keep draft-07's meaning.
  if (typeof out.$ref === 'string' && Object.keys(out).some((k) => !['$ref', 'title', 'description'].includes(k))) {
    return { $ref: out.$ref };
  }
  return out;
}

/** properties-like maps: their keys are names, not keywords. */
function convertMap(value: unknown, self: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(value as Record<string, unknown>)) out[name] = convert(schema, self);
  return out;
}
