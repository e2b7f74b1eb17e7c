import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';

/** The subset of JSON Schema the files in schemas/ use. */
export interface JsonSchema {
  $id?: string;
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  const?: unknown;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
}

/** Every schema file of the folder, by its $id (the file name). */
export function loadSchemas(dir: string): Map<string, JsonSchema> {
  const out = new Map<string, JsonSchema>();
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const schema = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as JsonSchema;
    out.set(schema.$id ?? file, schema);
  }
  return out;
}

const ANY_JSON = fc.jsonValue({ maxDepth: 2 });

/**
 * An arbitrary of values valid against `schema` (as far as the keywords above go), read from the
 * schema itself: $ref (to another file, or #/$defs/... in the same one), oneOf/anyOf, const,
 * type (or a list of types), properties and required, additionalProperties (extra keys when
 * true), items, enum, pattern, lengths and bounds. A schema without a type (the option list's
 * entries) gives any JSON value.
 */
export function schemaArbitrary(schema: JsonSchema, schemas: Map<string, JsonSchema>, depth = 0, root: JsonSchema = schema): fc.Arbitrary<unknown> {
  const next = (sub: JsonSchema, d = depth + 1) => schemaArbitrary(sub, schemas, d, root);
  if (schema.$ref) {
    // A file (or this one, for "#..."), then a JSON pointer into it (#/$defs/x, #/properties/url).
    const [file, pointer = ''] = schema.$ref.split('#');
    const doc = file ? schemas.get(file) : root;
    const target = doc && resolvePointer(doc, pointer);
    if (!doc || !target) throw new Error(`unresolved $ref ${schema.$ref}`);
    return schemaArbitrary(target, schemas, depth, doc);
  }
  if (schema.const !== undefined) return fc.constant(schema.const);
  const choices = schema.oneOf ?? schema.anyOf;
  if (choices) return fc.oneof(...choices.map((c) => next(c, depth)));
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const types = schema.type === undefined ? (schema.properties ? ['object'] : []) : Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.length === 0) return ANY_JSON;
  return fc.oneof(...types.map((t) => typed(t, schema, schemas, depth, root)));
}

function resolvePointer(doc: JsonSchema, pointer: string): JsonSchema | undefined {
  let at: unknown = doc;
  for (const part of pointer.split('/').slice(1)) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    at = at !== null && typeof at === 'object' && Object.hasOwn(at, key) ? (at as Record<string, unknown>)[key] : undefined;
  }
  return at as JsonSchema | undefined;
}

function typed(type: string, schema: JsonSchema, schemas: Map<string, JsonSchema>, depth: number, root: JsonSchema): fc.Arbitrary<unknown> {
  switch (type) {
    case 'string':
      if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern), { size: 'small' });
      return fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 40, 40) });
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1_000_000, max: schema.maximum ?? 2_000_000_000 });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e9, max: schema.maximum ?? 1e9, noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const items = schema.items ? schemaArbitrary(schema.items, schemas, depth + 1, root) : ANY_JSON;
      return fc.array(items, { minLength: schema.minItems ?? 0, maxLength: Math.min(schema.maxItems ?? 3, 3) });
    }
    case 'object':
      return objectArbitrary(schema, schemas, depth, root);
    default:
      throw new Error(`schema type ${type} is not handled`);
  }
}

function objectArbitrary(schema: JsonSchema, schemas: Map<string, JsonSchema>, depth: number, root: JsonSchema): fc.Arbitrary<unknown> {
  const props = schema.properties ?? {};
  const required = new Set(schema.required ?? []);
  const shape: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, sub] of Object.entries(props)) shape[name] = depth > 6 ? ANY_JSON : schemaArbitrary(sub, schemas, depth + 1, root);
  const known = fc.record(shape, { requiredKeys: [...required].filter((k) => k in shape) });
  const extra = schema.additionalProperties;
  if (extra === false) return known;
  const values = typeof extra === 'object' ? schemaArbitrary(extra, schemas, depth + 1, root) : ANY_JSON;
  return fc.tuple(known, fc.dictionary(fc.string({ maxLength: 12 }), values, { maxKeys: 3 })).map(([k, more]) => ({ ...more, ...(k as object) }));
}
