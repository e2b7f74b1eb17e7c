// Mutation testing (StrykerJS) of one module of scripts/mutation-modules.mjs, named by
// PERMAFROST_MUTATION_MODULE; scripts/mutation-run.mjs sets it (`npm run mutation [module...]`).
// The mutated sources are compiled once with tsc (mutant schemata: every mutant is in the build,
// switched on at run time) and the module's unit tests run in-process; with perTest coverage
// each mutant runs only the tests that reach it.
import { MUTATION_MODULES } from './scripts/mutation-modules.mjs';

const name = process.env.PERMAFROST_MUTATION_MODULE ?? '';
const module = MUTATION_MODULES[name];
if (!module) throw new Error(`PERMAFROST_MUTATION_MODULE must be one of ${Object.keys(MUTATION_MODULES).join(', ')} (got '${name}'): run npm run mutation`);

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'mocha',
  buildCommand: 'npx tsc -p tsconfig.json',
  mochaOptions: { spec: module.tests, config: '.mocharc.json' },
  coverageAnalysis: 'perTest',
  concurrency: 2,
  // A mutant that loops is a kill; 3 s over the test's own time is plenty for these unit tests.
  timeoutMS: 3000,
  // dist is rebuilt in the sandbox by buildCommand; the rest is output or local state.
  ignorePatterns: ['dist', 'data', 'coverage', 'reports', '*.log'],
  reporters: ['clear-text', 'html', 'json', 'progress'],
  htmlReporter: { fileName: `reports/mutation/${name}.html` },
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  // Re-runs test only the mutants whose code or tests changed since the module's last run.
  incremental: true,
  incrementalFile: `reports/mutation/${name}.incremental.json`,
  thresholds: { high: 90, low: 80, break: null },
  mutate: module.mutate,
};
