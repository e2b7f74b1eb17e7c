import type { SettingSchema } from './setting-schema';

/** `expected <what the setting takes>, e.g. <an example or two>`, from the setting's schema. */
export function expectedText(node: SettingSchema): string {
  const examples = (node.examples ?? []).slice(0, 2).map(showExample);
  return `expected ${node.expected ?? describeType(node)}${examples.length > 0 ? `, e.g. ${examples.join(' or ')}` : ''}`;
}

/** What the type and bounds say, for settings whose schema has no `expected` words. */
export function describeType(node: SettingSchema): string {
  if (node.enum) return `one of ${node.enum.map(String).join(', ')}`;
  if (node.properties) return `a mapping of the settings ${Object.keys(node.properties).join(', ')}`;
  const types = [node.type ?? []].flat().filter((t) => t !== 'null');
  if (types.includes('integer')) return `a whole number${range(node)}`;
  if (types.includes('number')) return `a number${range(node)}`;
  if (types.includes('boolean')) return 'true or false';
  if (types.includes('array')) return 'a list';
  return describeText(node);
}

function range(node: SettingSchema): string {
  const { minimum: min, maximum: max, exclusiveMinimum: above } = node;
  if (above !== undefined) return max === undefined ? ` above ${above}` : ` above ${above} and at most ${max}`;
  if (min !== undefined && max !== undefined) return ` from ${min} to ${max}`;
  if (min !== undefined) return ` of ${min} or more`;
  return max === undefined ? '' : ` of at most ${max}`;
}

function describeText(node: SettingSchema): string {
  const { minLength: min = 0, maxLength: max } = node;
  if (max !== undefined) return min > 0 ? `a text of ${min} to ${max} characters` : `a text of at most ${max} characters`;
  if (min > 1) return `a text of at least ${min} characters`;
  return min === 1 ? 'a text (not empty)' : 'a text';
}

function showExample(example: unknown): string {
  return Array.isArray(example) ? `[${example.map(String).join(', ')}]` : String(example);
}

/** A value as a problem quotes it: text in quotes (cut when long), lists and mappings by kind. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value !== 'string') return String(value);
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
}
