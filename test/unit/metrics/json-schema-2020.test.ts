import assert from 'node:assert/strict';
import { toComponentSchema } from '../../../src/http/openapi/json-schema-2020';

describe('openapi: schema files as JSON Schema 2020-12 components', () => {
  it('openapi: draft-07 keywords are rewritten and refs point into components', () => {
    const out = toComponentSchema(
      {
        $id: 'thing.json',
        $schema: 'http://json-schema.org/draft-07/schema#',
        definitions: { n: { type: 'integer' } },
        properties: {
          a: { $ref: 'job_schedule.json' },
          b: { $ref: '#/definitions/n' },
          c: { items: [{ type: 'string' }], additionalItems: false },
          d: { $ref: 'other.json#/$defs/x', type: 'string' },
          items: { type: 'array', items: { type: 'string' } },
        },
        dependencies: { a: ['b'], c: { required: ['d'] } },
      },
      'thing',
    );
    assert.deepEqual(out, {
      $defs: { n: { type: 'integer' } },
      properties: {
        a: { $ref: '#/components/schemas/job_schedule' },
        b: { $ref: '#/components/schemas/thing/$defs/n' },
        c: { prefixItems: [{ type: 'string' }], items: false },
        d: { $ref: '#/components/schemas/other/$defs/x' },
        items: { type: 'array', items: { type: 'string' } },
      },
      dependentRequired: { a: ['b'] },
      dependentSchemas: { c: { required: ['d'] } },
    });
  });
});
