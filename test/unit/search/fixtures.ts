/**
 * Shared test data for the search tests: a seeded random generator (so failures reproduce), random
 * nested documents, the naive per-key walk of spec A.5.2 written as literally as possible, and
 * Freezer job documents in the shape GET /jobs returns.
 */

/** mulberry32: a tiny deterministic PRNG, returning floats in [0, 1). */
export function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)];
}

/** Few names, so the same name often repeats at several depths and inside its own value. */
const NAMES = ['a', 'b', 'c', 'd', 'a.b'] as const;
const SCALARS: readonly unknown[] = [null, true, false, 0, 1, 2.5, -1, '', 'a', '1', 'x y'];

/** A random JSON value: objects, arrays (of objects, scalars and arrays) and scalars. */
export function randomValue(next: () => number, depth: number): unknown {
  const r = next();
  if (depth <= 0 || r < 0.4) return pick(next, SCALARS);
  if (r < 0.75) return randomDoc(next, depth - 1);
  const length = Math.floor(next() * 4);
  return Array.from({ length }, () => randomValue(next, depth - 1));
}

export function randomDoc(next: () => number, depth: number): Record<string, unknown> {
  const doc: Record<string, unknown> = {};
  const size = Math.floor(next() * 5);
  for (let i = 0; i < size; i++) doc[pick(next, NAMES)] = randomValue(next, depth);
  return doc;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Spec A.5.2 step 4 for ONE key, word for word: the oracle the one-pass walk is checked against. */
export function naiveFind(doc: unknown, key: string): { found: boolean; value?: unknown } {
  let result: { found: boolean; value?: unknown } = { found: false };
  const walk = (obj: Record<string, unknown>): void => {
    for (const [k, v] of Object.entries(obj)) {
      if (k === key) result = { found: true, value: v };
      else if (isObj(v)) walk(v);
      else if (Array.isArray(v)) for (const el of v) if (isObj(el)) walk(el);
    }
  };
  if (isObj(doc)) walk(doc);
  return result;
}

/** Every property name anywhere in a value, including places the walk never reaches. */
export function allNames(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const el of value) allNames(el, into);
  else if (isObj(value)) {
    for (const [k, v] of Object.entries(value)) {
      into.add(k);
      allNames(v, into);
    }
  }
  return into;
}

/** A job as GET /jobs returns it (spec A.3.5). */
export function jobDoc(opts: {
  jobId: string;
  clientId: string;
  description: string;
  backupName?: string;
  status?: string;
}): Record<string, unknown> {
  const schedule: Record<string, unknown> = { time_created: 1795353923, time_started: -1, time_ended: -1 };
  if (opts.status !== undefined) schedule.status = opts.status;
  return {
    job_id: opts.jobId,
    project_id: 'projA',
    user_id: 'alice',
    job_schedule: schedule,
    client_id: opts.clientId,
    session_id: '',
    session_tag: 0,
    description: opts.description,
    job_actions: [
      {
        freezer_action: {
          action: 'backup',
          mode: 'fs',
          backup_name: opts.backupName ?? 'bk',
          path_to_backup: '/tmp/src',
          container: '/tmp/store',
          storage: 'local',
        },
        max_retries: 1,
        max_retries_interval: 1,
        user_id: 'alice',
        project_id: 'projA',
        action_id: `${opts.jobId}-a1`,
      },
    ],
  };
}
