import Ajv from 'ajv';

const ajv = new Ajv({ allErrors: true, strict: false });

/** Every problem of a document (e.g. the configuration), as `path: what is wrong` lines. */
export function listProblems(schema: object, doc: unknown): string[] {
  const validate = ajv.getSchema((schema as { $id?: string }).$id ?? '') ?? ajv.compile(schema);
  if (validate(doc)) return [];
  return (validate.errors ?? []).map((e) => {
    const where = e.instancePath.slice(1).replace(/\//g, '.') || '(root)';
    if (e.keyword === 'additionalProperties') return `${where}: unknown setting '${e.params.additionalProperty}'`;
    if (e.keyword === 'enum') return `${where}: must be one of ${(e.params.allowedValues as unknown[]).join(', ')}`;
    return `${where}: ${e.message}`;
  });
}
