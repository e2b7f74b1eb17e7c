import type { ErrorObject } from 'ajv';

/**
 * One clear message for a request that fails a runs schema: every unknown key is named (with
 * where it is), else the first problem with the field's path. Keys are quoted as sent, cut short.
 */
export function runMessage(errors: readonly ErrorObject[]): string {
  const unknown = errors
    .filter((e) => e.keyword === 'additionalProperties')
    .map((e) => quote(joined(e.instancePath, String(e.params.additionalProperty))));
  if (unknown.length) return `Unknown key${unknown.length > 1 ? 's' : ''} ${[...new Set(unknown)].join(', ')}`;
  // Errors of a type union ("number or null") repeat per branch; the first says enough.
  const e = errors.find((x) => x.keyword !== 'if' && x.keyword !== 'anyOf') ?? errors[0];
  if (!e) return 'The request body is invalid';
  if (e.keyword === 'required') return `${quote(joined(e.instancePath, String(e.params.missingProperty)))} is required`;
  const field = e.instancePath ? quote(e.instancePath.slice(1).replaceAll('/', '.')) : 'The request body';
  if (e.keyword === 'enum') return `${field} must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  return `${field} ${e.message ?? 'is invalid'}`;
}

/** `/steps/0` + `action` -> `steps.0.action`. */
function joined(path: string, key: string): string {
  return path ? `${path.slice(1).replaceAll('/', '.')}.${key}` : key;
}

function quote(key: string): string {
  return `'${key.length > 64 ? `${key.slice(0, 64)}...` : key}'`;
}
