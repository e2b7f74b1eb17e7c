import fs from 'node:fs';
import { signalGroup } from '../../src/engine';

/** One running process as /proc/<pid>/stat shows it. */
export interface ProcInfo {
  pid: number;
  ppid: number;
  pgid: number;
  name: string;
}

/**
 * The processes of this machine that still run. Zombies are left out: they have exited, and in a
 * container whose init does not reap, an orphan's zombie would otherwise look alive forever.
 */
export function processTable(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited while we listed
    }
    // The name is in parentheses and may itself hold spaces and parentheses.
    const close = stat.lastIndexOf(')');
    const [state, ppid, pgid] = stat.slice(close + 2).split(' ');
    if (state === 'Z' || state === 'X') continue;
    out.push({ pid: Number(entry), ppid: Number(ppid), pgid: Number(pgid), name: stat.slice(stat.indexOf('(') + 1, close) });
  }
  return out;
}

/** Children, grandchildren... of `pid` that still run. */
export function descendantsOf(pid: number, table = processTable()): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (let parents = [pid]; parents.length > 0;) {
    const children = table.filter((p) => parents.includes(p.ppid));
    out.push(...children);
    parents = children.map((c) => c.pid);
  }
  return out;
}

/** Of `procs`, those still running (same pid and name), and anything else left in their process groups. */
export function survivors(procs: ProcInfo[]): ProcInfo[] {
  const table = processTable();
  const groups = foreignGroups(procs, table);
  return table.filter((t) => procs.some((p) => p.pid === t.pid && p.name === t.name) || groups.has(t.pgid));
}

/** The process groups of `procs`, except the test's own (a child spawned without detached stays in it). */
function foreignGroups(procs: ProcInfo[], table: ProcInfo[]): Set<number> {
  const own = table.find((p) => p.pid === process.pid)?.pgid;
  return new Set(procs.map((p) => p.pgid).filter((g) => g !== own));
}

/** Polls `probe` every few milliseconds until it returns something truthy; fails after `ms`. */
export async function pollUntil<T>(what: string, ms: number, probe: () => T): Promise<Exclude<T, false | null | undefined | 0 | "">> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value) return value as Exclude<T, false | null | undefined | 0 | "">;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Waits until none of `procs` (nor anything in their groups) runs; fails naming the survivors after `ms`. */
export async function waitGone(procs: ProcInfo[], ms: number, what: string): Promise<void> {
  let left: ProcInfo[] = [];
  await pollUntil(what, ms, () => (left = survivors(procs)).length === 0).catch((err: Error) => {
    throw new Error(`${err.message}: still running ${left.map((p) => `${p.name}(${p.pid})`).join(', ')}`);
  });
}

/**
 * Kills `pid` and everything it started, as a crash would end it: the process is stopped first
 * (SIGSTOP to its group) so that it starts nothing more, its descendants are listed while their
 * parentage is still known, then every group among them gets SIGKILL. Tools spawned detached lead
 * groups of their own, so killing the process's group alone would leave them running.
 * Returns what was killed (the process first).
 */
export function killTree(pid: number): ProcInfo[] {
  signalGroup(pid, 'SIGSTOP');
  stopOrKill(pid, 'SIGSTOP');
  const table = processTable();
  const root = table.find((p) => p.pid === pid);
  const procs = [...(root ? [root] : []), ...descendantsOf(pid, table)];
  for (const group of foreignGroups(procs, table)) signalGroup(group, 'SIGKILL');
  for (const p of procs) stopOrKill(p.pid, 'SIGKILL');
  return procs;
}

/** SIGKILL to whatever of `procs` (and their groups) still runs: a failed test leaves nothing behind. */
export function killSurvivors(procs: ProcInfo[]): void {
  const left = survivors(procs);
  for (const group of foreignGroups(left, processTable())) signalGroup(group, 'SIGKILL');
  for (const p of left) stopOrKill(p.pid, 'SIGKILL');
}

function stopOrKill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}
