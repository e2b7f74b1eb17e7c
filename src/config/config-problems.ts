import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { closestName } from '../closest-name';
import { describeValue, expectedText } from './expected-text';
import { listSettings, placeOf, type SettingSchema } from './setting-schema';
import type { SettingSources } from './setting-sources';

// Strict: a misspelt keyword in a configuration schema fails at once instead of being ignored.
// `expected` is ours (plain words for messages); it validates nothing.
const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });
ajv.addKeyword({ keyword: 'expected', schemaType: 'string' });

/**
 * Every problem of a merged configuration, one line per setting, in plain words: what was given,
 * where it came from, what is expected and an example, all from the schema (setting-schema.ts).
 * No ajv wording or regular expression reaches the user.
 */
export function configProblems(schema: SettingSchema & { $id: string }, doc: unknown, sources: SettingSources): string[] {
  const validate = compiled(schema);
  if (validate(doc)) return [];
  const byPlace = new Map<string, string>();
  for (const e of validate.errors ?? []) {
    const [key, text] = e.keyword === 'additionalProperties' ? unknownSetting(schema, e, sources) : badValue(schema, e, sources);
    // One line per setting: a value can break several keywords at once (type and pattern).
    if (!byPlace.has(key)) byPlace.set(key, text);
  }
  return [...byPlace.values()];
}

function compiled(schema: SettingSchema & { $id: string }): ValidateFunction {
  return ajv.getSchema(schema.$id) ?? ajv.compile(schema);
}

function badValue(schema: SettingSchema, e: ErrorObject, sources: SettingSources): [string, string] {
  const missing = e.keyword === 'required' ? `/${String(e.params.missingProperty)}` : '';
  const { name, node, item } = placeOf(schema, e.instancePath + missing);
  const key = item === null ? name : `${name}.${item}`;
  const shown = missing ? 'a value is missing' : node.writeOnly ? 'the value given is not valid' : `${describeValue(e.data)} is not valid`;
  const where = item === null ? shown : `item ${item + 1}, ${shown}`;
  return [key, `${sources.named(name)}: ${where}: ${expectedText(node)}`];
}

function unknownSetting(schema: SettingSchema, e: ErrorObject, sources: SettingSources): [string, string] {
  const group = placeOf(schema, e.instancePath);
  const prefix = group.name ? `${group.name}.` : '';
  const name = String(e.params.additionalProperty);
  const near = closestName(name, Object.keys(group.node.properties ?? {}));
  // A setting of a group written at the top (max_keys for limits.max_keys) is found by its name.
  const elsewhere = near ? null : listSettings(schema).find(([dotted]) => dotted.endsWith(`.${name}`))?.[0];
  const hint = near ? `; did you mean ${prefix}${near}?` : elsewhere ? `; did you mean ${elsewhere}?` : '';
  return [`${prefix}${name}`, `${sources.named(prefix + name)}: unknown setting${hint}`];
}
