/**
 * oslo.policy-style rule expressions, compiled once to closures.
 *
 *   expr   := and ('or' and)*
 *   and    := unary ('and' unary)*
 *   unary  := 'not' unary | '(' expr ')' | check
 *   check  := '@' | '!' | 'rule:NAME' | 'role:VALUE' | CREDENTIAL ':' VALUE
 *   VALUE  := literal | 'quoted' | "quoted" | True | False | text with %(target_field)s
 *
 * An empty expression allows everyone, as in oslo. Keywords are case-insensitive;
 * check kinds and credential names are not (oslo matches them exactly too).
 */

/** Credential fields a `field:value` check may name. */
export const CREDENTIAL_FIELDS = ['user_id', 'project_id', 'is_admin', 'is_admin_project', 'roles'] as const;
/** Target fields a `%(name)s` substitution may name. */
export const TARGET_FIELDS = ['project_id', 'user_id'] as const;

type CredentialField = (typeof CREDENTIAL_FIELDS)[number];
type TargetField = (typeof TARGET_FIELDS)[number];

/** What the caller is. */
export interface Credentials {
  user_id: string;
  project_id: string | null;
  roles: readonly string[];
  /** The admin role on the cloud admin project: administers the whole deployment. */
  is_admin: boolean;
  /** The token is scoped to the cloud admin project (whatever its roles there). */
  is_admin_project: boolean;
}

/** What the caller acts on. */
export type RuleTarget = Record<TargetField, string | null>;

export type RuleCheck = (creds: Credentials, target: RuleTarget) => boolean;

export interface CompiledRules {
  readonly checks: ReadonlyMap<string, RuleCheck>;
  /** Names used in `rule:` that no rule defines; such references always deny. */
  readonly undefinedReferences: readonly string[];
}

/**
 * Compiles every rule; throws an Error naming the rule on unparseable text or
 * a `rule:` reference cycle (which would otherwise recurse forever at request time).
 */
export function compileRules(rules: Readonly<Record<string, string>>): CompiledRules {
  const checks = new Map<string, RuleCheck>();
  const references = new Map<string, ReadonlySet<string>>();
  // References resolve through the map at call time, so rule order does not matter.
  const lookup = (name: string) => checks.get(name);
  for (const [name, text] of Object.entries(rules)) {
    try {
      const parser = new Parser(tokenize(text), lookup);
      checks.set(name, parser.parse());
      references.set(name, parser.references);
    } catch (err) {
      throw new Error(`policy rule '${name}': ${(err as Error).message} in ${JSON.stringify(text)}`, { cause: err });
    }
  }
  const cycle = findCycle(references);
  if (cycle) throw new Error(`policy rule '${cycle[0]}': reference cycle ${cycle.join(' -> ')}`);
  const undefinedReferences = new Set<string>();
  for (const names of references.values()) {
    for (const name of names) if (!checks.has(name)) undefinedReferences.add(name);
  }
  return { checks, undefinedReferences: [...undefinedReferences].sort() };
}

const allow: RuleCheck = () => true;
const deny: RuleCheck = () => false;
const KEYWORDS = new Set(['and', 'or', 'not']);

/** Splits on whitespace and parentheses, keeping `%(name)s` and quoted text inside one token. */
function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (/\s/.test(text[i])) {
      i++;
    } else if (text[i] === '(' || text[i] === ')') {
      tokens.push(text[i++]);
    } else {
      const end = wordEnd(text, i);
      tokens.push(text.slice(i, end));
      i = end;
    }
  }
  return tokens;
}

function wordEnd(text: string, start: number): number {
  let i = start;
  while (i < text.length && !/[\s()]/.test(text[i])) {
    if (text.startsWith('%(', i)) i = closingAt(text, i + 2, ')', "'%(' without ')'");
    else if (text[i] === "'" || text[i] === '"') i = closingAt(text, i + 1, text[i], `unterminated ${text[i]}`);
    else i++;
  }
  return i;
}

function closingAt(text: string, from: number, close: string, problem: string): number {
  const at = text.indexOf(close, from);
  if (at < 0) throw new Error(problem);
  return at + 1;
}

/** Recursive descent straight to closures; collects `rule:` names for cycle detection. */
class Parser {
  private pos = 0;
  readonly references = new Set<string>();

  constructor(
    private readonly tokens: readonly string[],
    private readonly lookup: (name: string) => RuleCheck | undefined,
  ) {}

  parse(): RuleCheck {
    if (this.tokens.length === 0) return allow;
    const check = this.or();
    if (this.pos < this.tokens.length) throw new Error(`unexpected '${this.tokens[this.pos]}'`);
    return check;
  }

  private or(): RuleCheck {
    const parts = [this.and()];
    while (this.keyword('or')) parts.push(this.and());
    return parts.length === 1 ? parts[0] : (c, t) => parts.some((p) => p(c, t));
  }

  private and(): RuleCheck {
    const parts = [this.unary()];
    while (this.keyword('and')) parts.push(this.unary());
    return parts.length === 1 ? parts[0] : (c, t) => parts.every((p) => p(c, t));
  }

  private unary(): RuleCheck {
    if (this.keyword('not')) {
      const inner = this.unary();
      return (c, t) => !inner(c, t);
    }
    const token = this.tokens[this.pos++];
    if (token === undefined) throw new Error('expression ends too early');
    if (token === '(') {
      const inner = this.or();
      if (this.tokens[this.pos++] !== ')') throw new Error("missing ')'");
      return inner;
    }
    if (token === ')' || KEYWORDS.has(token.toLowerCase())) throw new Error(`unexpected '${token}'`);
    return this.check(token);
  }

  private keyword(word: string): boolean {
    if (this.tokens[this.pos]?.toLowerCase() !== word) return false;
    this.pos++;
    return true;
  }

  private check(token: string): RuleCheck {
    if (token === '@') return allow;
    if (token === '!') return deny;
    const colon = token.indexOf(':');
    if (colon <= 0) throw new Error(`'${token}' is not a check (expected kind:value, '@' or '!')`);
    const kind = token.slice(0, colon);
    const value = token.slice(colon + 1);
    if (value === '') throw new Error(`'${token}' has no value`);
    if (kind === 'rule') return this.reference(value);
    if (kind === 'role') return roleCheck(parseValue(value, false));
    return fieldCheck(kind, value);
  }

  private reference(name: string): RuleCheck {
    this.references.add(name);
    const lookup = this.lookup;
    return (c, t) => lookup(name)?.(c, t) ?? false;
  }
}

/** A check value: resolved per call because `%(name)s` depends on the target; null never matches. */
type Value = (target: RuleTarget) => string | boolean | null;

function parseValue(text: string, booleans: boolean): Value {
  const quoted = /^(['"])(.*)\1$/s.exec(text);
  if (quoted) {
    const literal = quoted[2];
    return () => literal;
  }
  if (booleans && (text === 'True' || text === 'False')) {
    const literal = text === 'True';
    return () => literal;
  }
  return text.includes('%(') ? template(text) : () => text;
}

/** `%(name)s` pieces substituted from the target; a null target field makes the whole value null. */
function template(text: string): Value {
  const parts: Array<{ literal: string } | { field: TargetField }> = [];
  const pattern = /%\(([^)]*)\)s/g;
  let last = 0;
  for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
    if (!isTargetField(m[1])) throw new Error(`unknown target field '${m[1]}' (expected one of ${TARGET_FIELDS.join(', ')})`);
    parts.push({ literal: text.slice(last, m.index) }, { field: m[1] });
    last = pattern.lastIndex;
  }
  const rest = text.slice(last);
  if (rest.includes('%(')) throw new Error(`malformed substitution in '${text}' (expected %(name)s)`);
  parts.push({ literal: rest });
  return (target) => {
    let out = '';
    for (const part of parts) {
      const piece = 'field' in part ? target[part.field] : part.literal;
      if (piece === null || piece === undefined) return null;
      out += piece;
    }
    return out;
  };
}

/** Role names compare case-insensitively, as oslo's RoleCheck does. */
function roleCheck(value: Value): RuleCheck {
  return (c, t) => {
    const want = value(t);
    if (typeof want !== 'string') return false;
    const lower = want.toLowerCase();
    return c.roles.some((role) => role.toLowerCase() === lower);
  };
}

function fieldCheck(field: string, text: string): RuleCheck {
  if (!isCredentialField(field)) {
    throw new Error(`unknown check kind '${field}' (expected rule, role or one of ${CREDENTIAL_FIELDS.join(', ')})`);
  }
  // `roles:x` behaves like `role:x`, so the two spellings cannot disagree on case.
  if (field === 'roles') return roleCheck(parseValue(text, false));
  if (field === 'is_admin' || field === 'is_admin_project') {
    const flag = parseFlag(field, text);
    return (c) => c[field] === flag;
  }
  const value = parseValue(text, true);
  return (c, t) => {
    const have = c[field];
    const want = value(t);
    // Two unknowns are not a match: a project-less caller must not own a project-less target.
    return have !== null && want !== null && have === want;
  };
}

/** Anything but True/False on a flag is a typo that would silently never match, so reject it. */
function parseFlag(field: string, text: string): boolean {
  const lower = text.toLowerCase();
  if (lower !== 'true' && lower !== 'false') throw new Error(`${field} takes True or False, not '${text}'`);
  return lower === 'true';
}

function isCredentialField(name: string): name is CredentialField {
  return (CREDENTIAL_FIELDS as readonly string[]).includes(name);
}

function isTargetField(name: string): name is TargetField {
  return (TARGET_FIELDS as readonly string[]).includes(name);
}

/** The first `rule:` cycle found among defined rules, as a path ending where it started. */
function findCycle(graph: ReadonlyMap<string, ReadonlySet<string>>): string[] | null {
  const done = new Set<string>();
  const visit = (name: string, path: string[]): string[] | null => {
    const at = path.indexOf(name);
    if (at >= 0) return [...path.slice(at), name];
    if (done.has(name) || !graph.has(name)) return null;
    path.push(name);
    for (const next of graph.get(name) ?? []) {
      const cycle = visit(next, path);
      if (cycle) return cycle;
    }
    path.pop();
    done.add(name);
    return null;
  };
  for (const name of graph.keys()) {
    const cycle = visit(name, []);
    if (cycle) return cycle;
  }
  return null;
}
