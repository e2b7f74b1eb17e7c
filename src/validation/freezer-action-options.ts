import fs from 'node:fs';
import path from 'node:path';
import { BadRequestError } from '../errors';
import { closestName } from '../closest-name';

/** Longest name quoted back in an error: a hostile key must not turn into a huge response. */
const QUOTED_CHARS = 64;
/** At most this many unknown keys are named in one message. */
const NAMED_KEYS = 5;

/**
 * The one list of freezer_action keys and action names (schemas/freezer_action_options.json),
 * which the agent checks against too. `assert` refuses any other key or action with a 400 that
 * names it, with a "did you mean" when a known name is close.
 */
export class FreezerActionOptions {
  readonly keys: ReadonlySet<string>;
  readonly actions: readonly string[];

  constructor(schema: { properties: Record<string, { enum?: unknown[] }> }) {
    this.keys = new Set(Object.keys(schema.properties));
    this.actions = (schema.properties.action?.enum ?? []).filter((a): a is string => typeof a === 'string');
  }

  static load(schemaDir: string): FreezerActionOptions {
    return new FreezerActionOptions(JSON.parse(fs.readFileSync(path.join(schemaDir, 'freezer_action_options.json'), 'utf8')));
  }

  /**
   * Checks the own keys of `options` (a freezer_action, or action_defaults) and its `action` when
   * that is a string; `where` says where it sits in the request (`job_actions[0].freezer_action`).
   * Anything that is not an object is left to the schema.
   */
  assert(options: unknown, where: string): void {
    if (typeof options !== 'object' || options === null || Array.isArray(options)) return;
    const unknown = Object.keys(options).filter((k) => !this.keys.has(k));
    if (unknown.length > 0) {
      const named = unknown.slice(0, NAMED_KEYS).map((k) => this.hint(k, this.keys));
      const more = unknown.length > NAMED_KEYS ? ` and ${unknown.length - NAMED_KEYS} more` : '';
      const noun = unknown.length === 1 ? 'option' : 'options';
      throw new BadRequestError(`Unknown freezer_action ${noun} ${named.join(', ')}${more} in ${where}`);
    }
    const action = (options as Record<string, unknown>).action;
    if (typeof action === 'string' && !this.actions.includes(action)) {
      throw new BadRequestError(`Unknown action ${this.hint(action, this.actions)} in ${where}.action; the actions are ${this.actions.join(', ')}`);
    }
  }

  private hint(name: string, known: Iterable<string>): string {
    const close = closestName(name, known);
    return close ? `${quote(name)} (did you mean ${quote(close)}?)` : quote(name);
  }
}

function quote(name: string): string {
  return `'${name.length > QUOTED_CHARS ? `${name.slice(0, QUOTED_CHARS)}...` : name}'`;
}
