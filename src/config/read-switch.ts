const ON = /^(1|true|yes|on)$/i;
const OFF = /^(0|false|no|off)$/i;

/**
 * An on/off setting given as text (environment, flags, a quoted YAML value) as a boolean. Other
 * text is returned unchanged, so that validation reports it instead of it silently meaning off.
 */
export function readSwitch(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (ON.test(value.trim())) return true;
  return OFF.test(value.trim()) ? false : value;
}
