/**
 * Scale check of the embedded store: seeds N jobs (default 1,000,000) into ONE tenant, plus a
 * second tenant, then times the list and search shapes the API serves. Figures are printed;
 * nothing is asserted (the query plans are asserted by test/unit/store/sqlite-plans.test.ts).
 *
 *   node dist/bench/store-scale.js [N] [db-file]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseSearch } from '../src/search';
import { SqliteStore } from '../src/store/sqlite/sqlite-store';
import type { Scope } from '../src/store/types';

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 1_000_000);
  const file = process.argv[3] ?? path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-scale-')), 'scale.db');
  const store = new SqliteStore({ file, synchronous: 'NORMAL', cacheMb: 256 });
  await store.start();
  const repo = store.repo('jobs');
  const tenant: Scope = { userId: 'alice', projectId: 'projA' };
  const other: Scope = { userId: 'bob', projectId: 'projA' };
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const id = `job${i}`;
    const doc = {
      job_id: id,
      project_id: 'projA',
      user_id: 'alice',
      job_schedule: { time_created: 1700000000 + i, status: i % 10 === 0 ? 'scheduled' : 'completed', event: '' },
      client_id: `projA_host${i % 100}`,
      session_id: '',
      session_tag: 0,
      description: `job number ${i}`,
      job_actions: [{ freezer_action: { action: 'backup', mode: 'fs', backup_name: `b${i % 1000}`, path_to_backup: '/data' }, max_retries: 1, action_id: `a${i}` }],
    };
    await repo.insert(i % 50 === 0 ? other : tenant, { id, key: id, doc });
    if (i > 0 && i % 100_000 === 0) console.log(`seeded ${i} (${Math.round(i / ((performance.now() - t0) / 1000))}/s)`);
  }
  const seedS = (performance.now() - t0) / 1000;
  console.log(`seeded ${n} jobs in ${seedS.toFixed(1)} s (${Math.round(n / seedS)} inserts/s), db ${file}`);

  const shapes: Array<[string, unknown, number]> = [
    ['list, first page', undefined, 0],
    ['list, page at offset 1000', undefined, 1000],
    ['search client_id (1% match)', { match: [{ client_id: 'projA_host7' }] }, 0],
    ['scheduler poll: client_id, not completed', { match: [{ client_id: 'projA_host10' }], match_not: [{ status: 'completed' }] }, 0],
    // host7 has only completed jobs: the page stays empty, so all its 10,000 jobs are probed.
    ['scheduler poll, nothing due (10k probed)', { match: [{ client_id: 'projA_host7' }], match_not: [{ status: 'completed' }] }, 0],
    ['search one description (1 match)', { match: [{ description: `job number ${n - 7}` }] }, 0],
    ['search nested backup_name', { match: [{ backup_name: 'b42' }] }, 0],
    ['negative only: not completed', { match_not: [{ status: 'completed' }] }, 0],
  ];
  console.log(`\n${'query (limit 10)'.padEnd(44)} ${'median ms'.padStart(10)} ${'max ms'.padStart(8)} rows`);
  for (const [name, body, offset] of shapes) {
    const query = { search: parseSearch(body), limit: 10, offset };
    const times: number[] = [];
    let rows = 0;
    for (let r = 0; r < 21; r++) {
      const s = performance.now();
      rows = (await repo.listJson(tenant, query)).length;
      times.push(performance.now() - s);
    }
    times.sort((a, b) => a - b);
    console.log(`${name.padEnd(44)} ${times[10].toFixed(3).padStart(10)} ${times[20].toFixed(3).padStart(8)} ${rows}`);
  }
  const s = performance.now();
  for (let r = 0; r < 1000; r++) await repo.getJson(tenant, `job${(r * 7919) % n}`);
  console.log(`${'get by id (1000 random)'.padEnd(44)} ${((performance.now() - s) / 1000).toFixed(3).padStart(10)}`);
  await store.stop();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
