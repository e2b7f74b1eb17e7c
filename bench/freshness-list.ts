/**
 * "Which jobs are stale?" at scale (issue 12 item 4): N freshness records in one SQLite file,
 * spread over P projects, a tenth of them stale; prints the p50/p99 of a project's first page of
 * stale jobs, of its fresh jobs, of one client's jobs, and of one sweep query (what is due now).
 * Records are written straight to the store (the cost measured is the read path).
 *
 *   node dist/bench/freshness-list.js [records=1000000] [projects=100] [samples=2000]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { JobFreshness } from '../src/store/freshness-types';
import { SqliteStore } from '../src/store/sqlite/sqlite-store';

async function main(): Promise<void> {
  const [records, projects, samples] = [1_000_000, 100, 2000].map((d, i) => Number(process.argv[2 + i] ?? d));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-fresh-bench-'));
  const store = new SqliteStore({ file: path.join(dir, 'bench.db'), synchronous: 'NORMAL', cacheMb: 64 });
  await store.start();
  const now = 1_750_000_000;
  const t0 = Date.now();
  const batch: Array<Promise<unknown>> = [];
  for (let i = 0; i < records; i++) {
    const stale = Math.floor(i / projects) % 10 === 0;
    const r: JobFreshness = {
      job_id: `job${String(i).padStart(8, '0')}`, user_id: 'bench', project_id: `p${i % projects}`, client_id: `host${i % 997}`,
      description: `job ${i}`, schedule: { schedule_interval: '1 days' }, since: now - 86_400 * 3, last_success_at: now - 3600,
      last_run: { run_id: `r${i}`, status: stale ? 'fail' : 'success', ended_at: now - 3600, reason: stale ? 'exit 2' : null },
      next_expected_at: now + 82_800, expected_interval: 86_400, stale_at: stale ? null : now + 86_400 + (i % 86_400), stale, stale_since: stale ? now - 60 : null,
    };
    batch.push(store.freshness().updateJob(r.job_id, () => r));
    if (batch.length === 5000) await Promise.all(batch.splice(0));
  }
  await Promise.all(batch);
  console.log(`${records} records in ${projects} projects written in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const time = async (label: string, call: (i: number) => Promise<unknown[]>) => {
    const ms: number[] = [];
    let rows = 0;
    for (let i = 0; i < samples; i++) {
      const start = process.hrtime.bigint();
      rows += (await call(i)).length;
      ms.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    ms.sort((a, b) => a - b);
    const q = (p: number) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))].toFixed(3);
    console.log(`${label}: p50 ${q(0.5)} ms, p99 ${q(0.99)} ms (${(rows / samples).toFixed(0)} rows a call)`);
  };
  const f = store.freshness();
  await time('GET /freshness/jobs?stale=true (limit 100)', (i) => f.listJobs({ userId: 'bench', projectId: `p${i % projects}` }, { stale: true, limit: 100, offset: 0 }));
  await time('GET /freshness/jobs?stale=false (limit 100)', (i) => f.listJobs({ userId: 'bench', projectId: `p${i % projects}` }, { stale: false, limit: 100, offset: 0 }));
  await time('GET /freshness/jobs?client_id=<one> (limit 100)', (i) => f.listJobs({ userId: 'bench', projectId: `p${i % projects}` }, { clientId: `host${i % 997}`, limit: 100, offset: 0 }));
  await time('sweep: due jobs (batch 500)', (i) => f.dueJobs(now + 86_400 + (i % 1000), 500));
  await store.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
