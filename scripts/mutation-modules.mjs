// The modules under mutation testing (issue 13): what is mutated (Stryker `mutate` entries: a
// file, or `file:first-last` lines when only part of a file applies the rule, as for the scope
// clauses of the SQLite repository, whose rest is storage plumbing) and the unit tests that
// must kill the mutants. scripts/mutation-run.mjs runs one Stryker per module (a narrow test set
// keeps each run short) and scripts/mutation-score.mjs reports the scores.
export const MUTATION_MODULES = {
  'tar-guard': {
    title: 'tar member guard',
    mutate: ['src/engine/tar/member-guard.ts'],
    tests: ['dist/test/unit/engine/tar/*.test.js'],
  },
  staging: {
    title: 'staging and publication',
    mutate: ['src/engine/staging.ts'],
    tests: ['dist/test/unit/engine/staging*.test.js', 'dist/test/unit/engine/storage/*.test.js'],
  },
  crypto: {
    title: 'sealed and openssl streams',
    mutate: ['src/engine/crypto/sealed-stream.ts', 'src/engine/crypto/openssl-cfb.ts'],
    tests: ['dist/test/unit/engine/crypto/*.test.js'],
  },
  chain: {
    title: 'chain and level selection',
    mutate: ['src/engine/chain/chains.ts', 'src/engine/chain/select-level.ts', 'src/engine/chain/select-restore.ts'],
    tests: ['dist/test/unit/engine/chain/*.test.js'],
  },
  policy: {
    title: 'policy and client-limit rules',
    mutate: ['src/auth/policy-rules.ts', 'src/auth/rule-policy.ts', 'src/auth/client-limit-rules.ts', 'src/store/client-limit.ts'],
    // Only the tests of these rules: the rest of unit/auth (scrypt, key generation) takes seconds
    // and would run for every mutant of module-level code.
    tests: [
      'dist/test/unit/auth/policy-rules.test.js',
      'dist/test/unit/auth/rule-policy.test.js',
      'dist/test/unit/auth/client-limit-rules.test.js',
      'dist/test/unit/store/client-limit.test.js',
    ],
  },
  scope: {
    title: 'scope application (both stores)',
    mutate: [
      'src/store/project-access.ts',
      'src/store/runs/run-scope.ts',
      'src/store/mongo/translate.ts',
      'src/store/sqlite/sqlite-repository.ts:101-123',
      'src/store/sqlite/sqlite-repository.ts:141-183',
      'src/store/sqlite/sqlite-repository.ts:220-253',
    ],
    tests: ['dist/test/unit/store/**/*.test.js'],
  },
  tokens: {
    title: 'token verification',
    mutate: ['src/auth/tokens.ts', 'src/auth/jwt-authenticator.ts'],
    tests: ['dist/test/unit/auth/tokens.test.js', 'dist/test/unit/auth/jwt-authenticator.test.js', 'dist/test/unit/auth/signing-keys.test.js'],
  },
};
