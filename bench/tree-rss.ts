/**
 * Peak memory of a whole pipeline (issue 13, item 10): runs a command and, every `interval` ms,
 * sums the resident memory (VmRSS) of every process below it. A backup is node plus tar plus a
 * compressor (plus openssl, ssh...), and /usr/bin/time's "maximum resident set size" is the
 * largest single process of the tree, not their sum, so it under-reports what the machine needs.
 *
 *   node dist/bench/tree-rss.js OUT_FILE [--interval-ms 20] [--wrapper] -- COMMAND [ARGS...]
 *
 * --wrapper: COMMAND is a wrapper such as /usr/bin/time; leave it out and measure what it runs.
 * Writes one line of key=value to OUT_FILE:
 *   tree_peak_kib  the highest sum over one sample (processes alive at the same moment)
 *   node_kib       the largest VmHWM of a process named node (the Permafrost CLI), 0 if none
 *   hwm_sum_kib    the sum of every process's own peak: an upper bound (peaks need not coincide)
 *   samples        how many samples were taken (a process that lives less than one interval can
 *                  be missed)
 *   procs          name:peak_MiB[xN] per process name (N processes of that name)
 * Exits with COMMAND's exit code.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { sampleTree } from './process-tree';

interface Seen {
  name: string;
  hwmKiB: number;
}

function main(): void {
  const sep = process.argv.indexOf('--');
  const opts = process.argv.slice(2, sep < 0 ? undefined : sep);
  const command = sep < 0 ? [] : process.argv.slice(sep + 1);
  const outFile = opts[0];
  if (!outFile || command.length === 0) {
    console.error('usage: tree-rss.js OUT_FILE [--interval-ms N] [--wrapper] -- COMMAND [ARGS...]');
    process.exit(2);
  }
  const interval = Number(opts[opts.indexOf('--interval-ms') + 1] ?? 20) || 20;
  const wrapper = opts.includes('--wrapper');
  const child = spawn(command[0], command.slice(1), { stdio: 'inherit' });
  const seen = new Map<number, Seen>();
  let peak = 0;
  let samples = 0;
  const sample = () => {
    if (child.pid === undefined) return;
    const tree = sampleTree(child.pid).slice(wrapper ? 1 : 0);
    let sum = 0;
    for (const p of tree) {
      sum += p.rssKiB;
      // VmHWM only grows, so the last value read is the process's peak up to that sample.
      seen.set(p.pid, { name: p.name, hwmKiB: Math.max(p.hwmKiB, seen.get(p.pid)?.hwmKiB ?? 0) });
    }
    peak = Math.max(peak, sum);
    samples++;
  };
  sample();
  const timer = setInterval(sample, interval);
  child.on('error', (err) => {
    console.error(`tree-rss: cannot run ${command[0]}: ${err.message}`);
    process.exit(127);
  });
  child.on('exit', (code, signal) => {
    clearInterval(timer);
    fs.writeFileSync(outFile, `${summary(seen, peak, samples)}\n`);
    process.exit(code ?? 128 + (signal ? os.constants.signals[signal] : 0));
  });
}

function summary(seen: Map<number, Seen>, peak: number, samples: number): string {
  const byName = new Map<string, { kib: number; n: number }>();
  let hwmSum = 0;
  for (const { name, hwmKiB } of seen.values()) {
    hwmSum += hwmKiB;
    const e = byName.get(name) ?? { kib: 0, n: 0 };
    byName.set(name, { kib: Math.max(e.kib, hwmKiB), n: e.n + 1 });
  }
  const node = byName.get('node')?.kib ?? 0;
  const procs = [...byName]
    .sort((a, b) => b[1].kib - a[1].kib)
    .map(([name, e]) => `${name}:${(e.kib / 1024).toFixed(1)}${e.n > 1 ? `x${e.n}` : ''}`)
    .join(',');
  return `tree_peak_kib=${peak} node_kib=${node} hwm_sum_kib=${hwmSum} samples=${samples} procs=${procs || '-'}`;
}

main();
