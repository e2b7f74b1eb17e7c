#!/usr/bin/env node
// Prints the mutation score of each module of scripts/mutation-modules.mjs from Stryker's JSON
// report, with the surviving mutants' places, and exits 1 when a module is under the bar.
// Score as Stryker counts it: detected (killed + timeout) over valid (detected + survived + no
// coverage); compile and runtime errors are not mutants a test could kill.
import { readFileSync } from 'node:fs';
import { MUTATION_MODULES } from './mutation-modules.mjs';

const BAR = 80;
const reportPath = process.argv[2] ?? 'reports/mutation/mutation.json';
const report = JSON.parse(readFileSync(reportPath, 'utf8'));

function inRange(entry, file, line) {
  const [path, range] = entry.split(':');
  if (path !== file) return false;
  if (!range) return true;
  const [first, last] = range.split('-').map(Number);
  return line >= first && line <= last;
}

function moduleOf(file, line) {
  for (const [name, entries] of Object.entries(MUTATION_MODULES)) {
    if (entries.some((e) => inRange(e, file, line))) return name;
  }
  return null;
}

const tally = new Map(Object.keys(MUTATION_MODULES).map((m) => [m, { detected: 0, valid: 0, survivors: [] }]));
for (const [file, { mutants }] of Object.entries(report.files)) {
  for (const m of mutants) {
    const name = moduleOf(file, m.location.start.line);
    if (!name) continue;
    const t = tally.get(name);
    if (m.status === 'Killed' || m.status === 'Timeout') t.detected++;
    if (['Killed', 'Timeout', 'Survived', 'NoCoverage'].includes(m.status)) t.valid++;
    if (m.status === 'Survived' || m.status === 'NoCoverage') t.survivors.push(`${file}:${m.location.start.line} ${m.mutatorName}${m.status === 'NoCoverage' ? ' (no coverage)' : ''}`);
  }
}

let low = 0;
for (const [name, t] of tally) {
  const score = t.valid === 0 ? 0 : (100 * t.detected) / t.valid;
  if (score < BAR) low++;
  console.log(`${score.toFixed(1).padStart(6)}%  ${String(t.detected).padStart(4)}/${String(t.valid).padEnd(4)}  ${name}`);
  if (process.argv.includes('--survivors')) t.survivors.forEach((s) => console.log(`           survived: ${s}`));
}
if (low) console.log(`${low} module(s) under ${BAR}%`);
process.exit(low ? 1 : 0);
