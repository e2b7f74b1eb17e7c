#!/usr/bin/env node
// Prints each module's mutation score from its Stryker JSON report (reports/mutation/<module>.json)
// and the places of its surviving mutants; exits 1 when a module is under the bar or has no
// report. Score as Stryker counts it: detected (killed + timeout) over valid (detected + survived
// + no coverage); compile and runtime errors are not mutants a test could kill.
// Usage: node scripts/mutation-score.mjs [module...] [--survivors]
import { existsSync, readFileSync } from 'node:fs';
import { MUTATION_MODULES } from './mutation-modules.mjs';

const BAR = 80;
const args = process.argv.slice(2);
const showSurvivors = args.includes('--survivors');
const names = args.filter((a) => !a.startsWith('--'));

function tally(report) {
  const t = { detected: 0, valid: 0, survivors: [] };
  for (const [file, { mutants }] of Object.entries(report.files)) {
    for (const m of mutants) {
      if (m.status === 'Killed' || m.status === 'Timeout') t.detected++;
      if (['Killed', 'Timeout', 'Survived', 'NoCoverage'].includes(m.status)) t.valid++;
      if (m.status === 'Survived' || m.status === 'NoCoverage') {
        const { line, column } = m.location.start;
        t.survivors.push(`${file}:${line}:${column} ${m.mutatorName}${m.status === 'NoCoverage' ? ' (no coverage)' : ''}: ${JSON.stringify(m.replacement ?? '')}`);
      }
    }
  }
  return t;
}

let failed = 0;
for (const name of names.length ? names : Object.keys(MUTATION_MODULES)) {
  const path = `reports/mutation/${name}.json`;
  if (!existsSync(path)) {
    console.log(`     -   no report (${path}): npm run mutation -- ${name}   ${MUTATION_MODULES[name]?.title ?? name}`);
    failed++;
    continue;
  }
  const t = tally(JSON.parse(readFileSync(path, 'utf8')));
  const score = t.valid === 0 ? 0 : (100 * t.detected) / t.valid;
  if (score < BAR) failed++;
  console.log(`${score.toFixed(1).padStart(6)}%  ${String(t.detected).padStart(4)}/${String(t.valid).padEnd(4)}  ${MUTATION_MODULES[name].title} (${name})`);
  if (showSurvivors) t.survivors.forEach((s) => console.log(`          survived ${s}`));
}
if (failed) console.log(`${failed} module(s) under ${BAR}% or not run`);
process.exit(failed ? 1 : 0);
