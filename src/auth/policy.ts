import type { Identity } from './identity';

/** What a policy rule is checked against: the caller and the tenant the URL names. */
export interface PolicyTarget {
  projectId: string | null;
  userId: string;
}

/** The seam for oslo.policy-style rules (spec A.2.5); RulePolicy (rule-policy.ts) is the engine. */
export interface Policy {
  /** Throws ForbiddenError when `rule` denies the caller. */
  enforce(rule: string, identity: Identity, target: PolicyTarget): void;
  allows(rule: string, identity: Identity, target: PolicyTarget): boolean;
}

/** The reference's defaults: every rule is "" (allowed to everyone). */
export class AllowAllPolicy implements Policy {
  enforce(): void {}
  allows(): boolean {
    return true;
  }
}
