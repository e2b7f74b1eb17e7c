import fs from 'node:fs';

/** One process of a sampled tree, from /proc/<pid>/status. */
export interface ProcessSample {
  pid: number;
  name: string;
  /** Resident memory now, KiB (VmRSS). */
  rssKiB: number;
  /** The process's own peak resident memory so far, KiB (VmHWM). */
  hwmKiB: number;
}

/**
 * Every live process at or below `root` (root first), with its memory. The tree is walked through
 * /proc/<pid>/task/<tid>/children of every thread, because a child belongs to the thread that
 * forked it. A process that exits during the walk is left out; a kernel without the children
 * files (CONFIG_PROC_CHILDREN) is an error, never an empty tree that would read as "no memory".
 */
export function sampleTree(root: number): ProcessSample[] {
  const out: ProcessSample[] = [];
  const queue = [root];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    const sample = readStatus(pid);
    if (!sample) continue;
    out.push(sample);
    queue.push(...childrenOf(pid));
  }
  return out;
}

function readStatus(pid: number): ProcessSample | null {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null; // exited since its parent listed it
  }
  // A zombie has no memory lines: it holds nothing any more.
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s*(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
  const name = /^Name:\s*(.*)$/m.exec(text)?.[1] ?? '?';
  return { pid, name, rssKiB: kib('VmRSS'), hwmKiB: kib('VmHWM') };
}

function childrenOf(pid: number): number[] {
  let tids: string[];
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const kids: number[] = [];
  for (const tid of tids) {
    const file = `/proc/${pid}/task/${tid}/children`;
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      if (!fs.existsSync(`/proc/${pid}/task/${tid}`)) continue; // the thread ended meanwhile
      throw new Error(`cannot read ${file} (a kernel without CONFIG_PROC_CHILDREN?): ${(err as Error).message}`);
    }
    for (const k of text.split(/\s+/)) if (k) kids.push(Number(k));
  }
  return kids;
}
