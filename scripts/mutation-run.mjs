#!/usr/bin/env node
// Runs Stryker once per module of scripts/mutation-modules.mjs (all, or those named), then prints
// the per-module scores (scripts/mutation-score.mjs). Usage: npm run mutation [-- [--force] module...]
// --force re-tests every mutant: an incremental run keeps the old result of a mutant no test covers
// per test (module-level code), even when the tests changed.
import { spawnSync } from 'node:child_process';
import { MUTATION_MODULES } from './mutation-modules.mjs';

const args = process.argv.slice(2);
const unknownFlags = args.filter((a) => a.startsWith('-') && a !== '--force');
if (unknownFlags.length) {
  console.error(`unknown option(s): ${unknownFlags.join(', ')}; known: --force`);
  process.exit(2);
}
const force = args.includes('--force');
const names = args.filter((a) => !a.startsWith('-'));
const unknown = names.filter((n) => !(n in MUTATION_MODULES));
if (unknown.length) {
  console.error(`unknown module(s): ${unknown.join(', ')}; known: ${Object.keys(MUTATION_MODULES).join(', ')}`);
  process.exit(2);
}
for (const name of names.length ? names : Object.keys(MUTATION_MODULES)) {
  console.log(`\n=== mutation testing: ${MUTATION_MODULES[name].title} (${name})`);
  const run = spawnSync('npx', ['stryker', 'run', ...(force ? ['--force'] : [])], { stdio: 'inherit', env: { ...process.env, PERMAFROST_MUTATION_MODULE: name } });
  if (run.status !== 0) process.exit(run.status ?? 1);
}
const score = spawnSync(process.execPath, ['scripts/mutation-score.mjs', ...names], { stdio: 'inherit' });
process.exit(score.status ?? 1);
