/**
 * The parts of a configuration schema (schemas/config.json, schemas/agent_config.json) that
 * messages are written from. `expected` (our keyword) says in plain words what a setting takes
 * where its type and bounds do not; `examples` are values that work; `writeOnly` marks a secret,
 * whose value a message never repeats.
 */
export interface SettingSchema {
  type?: string | string[];
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  expected?: string;
  examples?: unknown[];
  writeOnly?: boolean;
  properties?: Record<string, SettingSchema>;
  items?: SettingSchema;
}

/** Every setting of a schema that is not a group of settings, by dotted name (limits.max_keys). */
export function listSettings(schema: SettingSchema, prefix = ''): Array<[string, SettingSchema]> {
  return Object.entries(schema.properties ?? {}).flatMap(([name, node]) =>
    node.properties ? listSettings(node, `${prefix}${name}.`) : [[`${prefix}${name}`, node] as [string, SettingSchema]],
  );
}

/** Where a value sits: the setting (a group too) and, inside a list, the item's index. */
export interface SettingPlace {
  name: string;
  node: SettingSchema;
  item: number | null;
}

/** The setting an ajv instance path (`/limits/max_keys`, `/allowed_paths/1`) points into. */
export function placeOf(schema: SettingSchema, instancePath: string): SettingPlace {
  const names: string[] = [];
  let node = schema;
  let item: number | null = null;
  for (const part of instancePath.split('/').slice(1).map(unescapePointer)) {
    const child = node.properties?.[part];
    if (child) {
      names.push(part);
      node = child;
    } else if (/^\d+$/.test(part) && node.items) {
      // A list's items are reported against the list setting: its examples and words cover them.
      item = Number(part);
    }
  }
  return { name: names.join('.'), node, item };
}

function unescapePointer(part: string): string {
  return part.replaceAll('~1', '/').replaceAll('~0', '~');
}
