// Mutation testing (StrykerJS) of the modules where a silent bug costs data or isolation, listed
// in scripts/mutation-modules.mjs. Run: `npm run mutation` (the whole set takes tens of minutes
// on 2 cores, so it is not part of .ci/run); per-module scores: `npm run mutation:score`.
// The mutated sources are compiled once with tsc (mutant schemata: every mutant is in the build,
// switched on at run time) and the unit tests run in-process; with perTest coverage each mutant
// runs only the tests that reach it.
import { MUTATION_MODULES } from './scripts/mutation-modules.mjs';

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'mocha',
  buildCommand: 'npx tsc -p tsconfig.json',
  mochaOptions: { spec: ['dist/test/unit/**/*.test.js'], config: '.mocharc.json' },
  coverageAnalysis: 'perTest',
  concurrency: 2,
  timeoutMS: 10000,
  // dist is rebuilt in the sandbox by buildCommand; the rest is output or local state.
  ignorePatterns: ['dist', 'data', 'coverage', 'reports', '*.log'],
  reporters: ['clear-text', 'html', 'json', 'progress'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 90, low: 80, break: null },
  mutate: Object.values(MUTATION_MODULES).flat(),
};
