// The modules under mutation testing (issue 13), each a list of Stryker `mutate` entries: a file,
// or `file:first-last` lines when only part of a file applies the rule (the scope clauses of the
// SQLite repository; the rest of it is storage plumbing covered by the store contract suite).
// stryker.config.mjs mutates exactly these, and scripts/mutation-score.mjs reports per module.
export const MUTATION_MODULES = {
  'tar member guard': ['src/engine/tar/member-guard.ts'],
  'staging and publication': ['src/engine/staging.ts'],
  'sealed and openssl streams': ['src/engine/crypto/sealed-stream.ts', 'src/engine/crypto/openssl-cfb.ts'],
  'chain and level selection': ['src/engine/chain/chains.ts', 'src/engine/chain/select-level.ts', 'src/engine/chain/select-restore.ts'],
  'policy and client-limit rules': [
    'src/auth/policy-rules.ts',
    'src/auth/rule-policy.ts',
    'src/auth/client-limit-rules.ts',
    'src/store/client-limit.ts',
  ],
  'scope application (both stores)': [
    'src/store/project-access.ts',
    'src/store/runs/run-scope.ts',
    'src/store/mongo/translate.ts',
    'src/store/sqlite/sqlite-repository.ts:101-123',
    'src/store/sqlite/sqlite-repository.ts:141-183',
    'src/store/sqlite/sqlite-repository.ts:220-253',
  ],
  'token verification': ['src/auth/tokens.ts', 'src/auth/jwt-authenticator.ts'],
};
