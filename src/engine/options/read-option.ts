import { EngineError } from '../engine-error';
import { flagOption, numericOption, type OptionValue } from '../chain';
import { closestName } from '../../closest-name';

/**
 * Reads single options of a freezer_action. Job documents carry JSON types, INI files strings
 * (spec B.8); both are accepted, anything else is a clear error naming the option.
 */
export class OptionReader {
  constructor(private readonly action: Record<string, unknown>) {}

  raw(name: string): OptionValue {
    const value = this.action[name];
    if (value === undefined || value === null) return null;
    if (['string', 'number', 'boolean'].includes(typeof value)) return value as OptionValue;
    throw new EngineError(`Invalid value for ${name}: expected a string, number or boolean`);
  }

  /** A string option; '' and the stock "unset" spellings count as unset. */
  text(name: string): string | null {
    const value = this.raw(name);
    if (value === null || value === false) return null;
    const text = String(value).trim();
    return text === '' || ['none', 'false'].includes(text.toLowerCase()) ? null : text;
  }

  required(name: string, why: string): string {
    const value = this.text(name);
    if (value === null) throw new EngineError(`${name} is required ${why}`);
    return value;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.text(name) ?? fallback;
    if (!(allowed as readonly string[]).includes(value)) {
      const near = closestName(value, allowed);
      throw new EngineError(`Invalid value for ${name}: ${JSON.stringify(value)} (${near ? `did you mean ${near}? ` : ''}expected one of ${allowed.join(', ')})`);
    }
    return value as T;
  }

  flag(name: string): boolean {
    return this.wrap(() => flagOption(name, this.raw(name)));
  }

  number(name: string, integer: boolean): number | null {
    return this.wrap(() => numericOption(name, this.raw(name), integer));
  }

  /** The chain helpers throw plain Errors with good messages; they are the operator's to fix. */
  private wrap<T>(read: () => T): T {
    try {
      return read();
    } catch (err) {
      throw err instanceof EngineError ? err : new EngineError((err as Error).message);
    }
  }
}
