import fs from 'node:fs';
import YAML from 'yaml';
import { ForbiddenError } from '../errors';
import { DEFAULT_POLICY } from './default-policy';
import type { Identity } from './identity';
import type { Policy, PolicyTarget } from './policy';
import { compileRules, type Credentials, type RuleCheck, type RuleTarget } from './policy-rules';

export interface PolicyLog {
  warn(obj: object, msg: string): void;
}

/** Enforces oslo.policy-style rules (see policy-rules.ts), compiled once at construction. */
export class RulePolicy implements Policy {
  private readonly checks: ReadonlyMap<string, RuleCheck>;
  /** Names used in `rule:` that no rule defines; such references always deny. */
  readonly undefinedReferences: readonly string[];

  /** Uses `rules` as the whole rule set; fromFile layers an operator file over the defaults. */
  constructor(rules: Readonly<Record<string, string>> = DEFAULT_POLICY) {
    const compiled = compileRules(rules);
    this.checks = compiled.checks;
    this.undefinedReferences = compiled.undefinedReferences;
  }

  /** The defaults, overridden rule by rule from a YAML or JSON file when `path` is given. */
  static fromFile(path: string | null, log?: PolicyLog): RulePolicy {
    if (path === null) return new RulePolicy();
    const overrides = readPolicyFile(path);
    let policy: RulePolicy;
    try {
      policy = new RulePolicy({ ...DEFAULT_POLICY, ...overrides });
    } catch (err) {
      throw new Error(`policy file ${path}: ${(err as Error).message}`, { cause: err });
    }
    // Likely a typo in the file; worth a warning since the check silently denies.
    if (policy.undefinedReferences.length > 0) {
      log?.warn({ file: path, rules: policy.undefinedReferences }, 'policy references undefined rules; those checks always deny');
    }
    return policy;
  }

  allows(rule: string, identity: Identity, target: PolicyTarget): boolean {
    // An unknown name means code and policy disagree; failing closed (unless the operator
    // set `default`) keeps a new or misspelt rule from silently opening an endpoint.
    const check = this.checks.get(rule) ?? this.checks.get('default');
    return check !== undefined && check(credentialsOf(identity), targetOf(target));
  }

  enforce(rule: string, identity: Identity, target: PolicyTarget): void {
    if (!this.allows(rule, identity, target)) throw new ForbiddenError();
  }
}

function credentialsOf(identity: Identity): Credentials {
  const adminProject = identity.isAdminProject === true;
  return {
    user_id: identity.userId,
    project_id: identity.projectId,
    roles: identity.roles,
    // Admin of some project is not admin of the deployment: that takes the admin project.
    is_admin: adminProject && identity.roles.some((role) => role.toLowerCase() === 'admin'),
    is_admin_project: adminProject,
  };
}

function targetOf(target: PolicyTarget): RuleTarget {
  return { project_id: target.projectId, user_id: target.userId };
}

/** Rule name -> expression; YAML's parser reads JSON files too. */
function readPolicyFile(path: string): Record<string, string> {
  let doc: unknown;
  try {
    doc = YAML.parse(fs.readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`policy file ${path}: ${(err as Error).message}`, { cause: err });
  }
  // An empty or all-comment file overrides nothing.
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new Error(`policy file ${path}: expected a mapping of rule name to expression`);
  }
  const rules: Record<string, string> = {};
  for (const [name, value] of Object.entries(doc)) {
    if (typeof value !== 'string') {
      const hint = value === null ? ' (write "" to allow everyone)' : '';
      throw new Error(`policy file ${path}: rule '${name}' must be a string expression, got ${JSON.stringify(value)}${hint}`);
    }
    rules[name] = value;
  }
  return rules;
}
